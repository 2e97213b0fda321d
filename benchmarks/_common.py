"""Shared helpers of the benchmark scripts: where shared/ is, and the spun benchmark text."""

from __future__ import annotations

import gzip
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("UNSPIN_SHARED", ROOT.parent / "shared"))
CACHE = Path(os.environ.get("UNSPIN_BENCH_CACHE", Path(tempfile.gettempdir()) / "unspin-bench"))


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return (f"{platform.python_implementation()} {platform.python_version()} on "
            f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load[0]:.2f} "
            f"(other jobs, e.g. a training run, may share the CPUs)")


def corpus_docs(name: str, limit_chars: int) -> list[str]:
    path = next((SHARED / "corpora" / name).glob("*.jsonl.gz"), None)
    if path is None:
        return []
    out, total = [], 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)["text"]
            if len(t.split()) < 30:
                continue
            out.append(t)
            total += len(t)
            if total >= limit_chars:
                break
    return out


def spun_pool(pool_mb: float = 2.0, corpus: str = "reuters21578") -> tuple[str, str]:
    """About ``pool_mb`` MB of distinct spun documents, cached on disk; (text, provenance)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"spun-{corpus}-{pool_mb:g}MB.txt"
    if cached.exists():
        return cached.read_text(encoding="utf-8"), cached.with_suffix(".about").read_text()
    docs = corpus_docs(corpus, int(pool_mb * 1e6))
    try:
        from unspin.spinner import spin
    except ImportError:
        spin = None
    if docs and spin is not None:
        t0 = time.perf_counter()
        text = "\n\n".join(spin(d, style="seed", rate=0.3, seed=i).text
                           for i, d in enumerate(docs)) + "\n"
        about = (f"{len(docs)} {corpus} documents spun by unspin.spinner (seed style, rate 0.3) "
                 f"in {time.perf_counter() - t0:.0f}s")
    else:
        ex = (ROOT / "examples" / "harbour-council.spun.txt").read_text(encoding="utf-8")
        text = (ex + "\n") * max(1, int(pool_mb * 1e6 // len(ex)))
        about = "the bundled spun example repeated (shared corpora or unspin.spinner absent)"
    cached.write_text(text, encoding="utf-8")
    cached.with_suffix(".about").write_text(about)
    return text, about


def text_of_size(pool: str, size_mb: float) -> str:
    """``pool`` repeated (whole documents) and cut at a paragraph to about ``size_mb`` MB."""
    n = int(size_mb * 1e6)
    reps = -(-n // len(pool))
    text = pool * reps
    cut = text.rfind("\n\n", 0, n)
    return text[: cut + 2 if cut > 0 else n]


def table(rows: list[dict], cols: list[tuple[str, str]]) -> str:
    """A plain-text table (GitHub-markdown compatible)."""
    heads = [h for h, _ in cols]
    cells = [[str(r.get(k, "")) for _, k in cols] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(heads)]
    line = lambda xs: "| " + " | ".join(x.rjust(w) for x, w in zip(xs, widths)) + " |"
    return "\n".join([line(heads), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(c) for c in cells)])

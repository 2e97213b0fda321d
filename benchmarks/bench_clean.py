#!/usr/bin/env python
"""Clean text through unspin: throughput and how many words change, per tier. Prints a table;
asserts nothing.

    nice .venv/bin/python benchmarks/bench_clean.py              # 1 MB of Reuters newswire
    options: --mb 1  --corpus reuters21578  --tiers rules,no-model,default

Most text a cleaning job sees is not spun, and there unspin should be fast and change
(almost) nothing. The text is unspun clean documents of ../shared/corpora (or
$UNSPIN_SHARED; Reuters-21578 by default, which no shipped resource was built from), restored
document by document through ``unspin.pipeline.Restorer`` in one process per tier. "changed
words" counts the words inside edits: every one of them is damage.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, corpus_docs, machine, table  # noqa: E402

TIER_OPTS = {
    "rules": {"use_lexicon": False, "use_model": False},
    "no-model": {"use_model": False},
    "default": {},
}


def cell(tier: str, corpus: str, mb: float) -> dict:
    """One tier, in this (fresh) process."""
    from unspin.pipeline import Restorer
    from unspin.text import count_words

    docs = corpus_docs(corpus, int(mb * 1e6))
    restorer = Restorer(**TIER_OPTS[tier])
    restorer.restore("Warm up: the tables load on first use.")
    t0 = time.perf_counter()
    words = changed = edits = 0
    for d in docs:
        r = restorer.restore(d)
        words += count_words(d)
        edits += len(r.edits)
        changed += sum(count_words(e.original) for e in r.edits)
    dt = time.perf_counter() - t0
    size = sum(len(d.encode("utf-8")) for d in docs)
    return {"tier": tier, "docs": len(docs), "MB": f"{size / 1e6:.2f}",
            "KB/s": f"{size / 1e3 / dt:.0f}", "words/s": f"{words / dt:.0f}",
            "edits": edits, "changed words": f"{changed} ({100 * changed / max(1, words):.3f}%)"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--corpus", default="reuters21578")
    ap.add_argument("--tiers", default="rules,no-model,default")
    ap.add_argument("--cell", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cell:
        print(json.dumps(cell(args.cell, args.corpus, args.mb)))
        return 0
    if not corpus_docs(args.corpus, 1):
        print(f"no corpus {args.corpus!r} under ../shared/corpora (set UNSPIN_SHARED)",
              file=sys.stderr)
        return 2
    rows = []
    for tier in [t for t in args.tiers.split(",") if t]:
        out = subprocess.run([sys.executable, __file__, "--cell", tier, "--corpus", args.corpus,
                              "--mb", str(args.mb)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            print(f"{tier}: failed: {out.stderr.strip()[-500:]}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"Clean {args.corpus} text, {machine()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(table(rows, [(k, k) for k in ("tier", "docs", "MB", "KB/s", "words/s", "edits",
                                         "changed words")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

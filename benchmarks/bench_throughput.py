#!/usr/bin/env python
"""Throughput, peak memory, start-up time and --jobs scaling of unspin. Prints tables; asserts
nothing.

    nice .venv/bin/python benchmarks/bench_throughput.py              # 1 MB and 10 MB
    nice .venv/bin/python benchmarks/bench_throughput.py --size 100   # also 100 MB via the CLI
    options: --sizes 1,10  --tiers rules,no-model,default  --files 200  --pool-mb 2

The text is spun newswire: Reuters-21578 documents (from ../shared/corpora, or
$UNSPIN_SHARED) spun by ``unspin.spinner`` (seed style, rate 0.3), about 2 MB of distinct
documents cached under $UNSPIN_BENCH_CACHE (default /tmp/unspin-bench) and repeated up to the
size measured. Without the corpora, the bundled spun example is repeated.

Tiers (each measured in a fresh process, so peak RSS is that tier's own):

* ``rules``    ``Restorer(use_lexicon=False, use_model=False)``: the rule table only;
* ``no-model`` ``unspin.restore(text, use_model=False)``: rules + lexicon (fast n-gram);
* ``default``  ``unspin.restore(text)``: adds the seq2seq model where one is installed;
* ``accurate`` ``mode="accurate"`` (neural LM lexicon scorer): only when asked for.

The API is fed the text in 1 MB pieces, the way the CLI streams files; "first restore" is
the time of the first call (loading tables and models) on a one-sentence text.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, ROOT, machine, spun_pool, table, text_of_size  # noqa: E402

PY = sys.executable
UNSPIN = [PY, "-m", "unspin"]
TIER_OPTS = {
    "rules": {"use_lexicon": False, "use_model": False},
    "no-model": {"use_model": False},
    "default": {},
    "accurate": {"use_model": False, "mode": "accurate"},
}
CLI_FLAGS = {"rules": ["--no-lexicon", "--no-model"], "no-model": ["--no-model"],
             "default": [], "accurate": ["--no-model", "--mode", "accurate"]}


def cell(tier: str, path: str) -> dict:
    """One measurement in this (fresh) process: first restore, then the whole text."""
    t0 = time.perf_counter()
    import unspin
    from unspin.pipeline import Restorer

    t_import = time.perf_counter() - t0
    restorer = Restorer(**TIER_OPTS[tier])
    t0 = time.perf_counter()
    restorer.restore("The plan will now no longer work, the council stated.")
    t_first = time.perf_counter() - t0
    from unspin.fileio import iter_text_pieces

    pieces = list(iter_text_pieces(path))
    chars = sum(len(p) for p in pieces)
    nbytes = os.path.getsize(path)
    words = sum(len(p.split()) for p in pieces)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    edits = 0
    t0 = time.perf_counter()
    for p in pieces:
        edits += len(restorer.restore(p).edits)
    secs = time.perf_counter() - t0
    has_model = any(type(s).__name__ == "ModelStage" for s in restorer.stages)
    return {"tier": tier, "mb": nbytes / 1e6, "secs": secs, "words": words, "chars": chars,
            "edits": edits, "import_s": t_import, "first_s": t_first,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mib": rss_before / 1024, "model": has_model,
            "unspin": unspin.__version__}


def run_cell(tier: str, path: Path) -> dict:
    out = subprocess.run([PY, __file__, "--cell", tier, str(path)], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode != 0:
        return {"tier": tier, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


_RSS_WRAPPER = ("import resource, subprocess, sys, time\n"
                "t = time.perf_counter(); code = subprocess.call(sys.argv[1:])\n"
                "print('RSS=%d SECS=%.4f' % (resource.getrusage(resource.RUSAGE_CHILDREN)"
                ".ru_maxrss, time.perf_counter() - t)); sys.exit(code)\n")


def timed_cli(args: list[str]) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak RSS MiB, stderr) of one ``unspin`` run."""
    p = subprocess.run([PY, "-c", _RSS_WRAPPER, *UNSPIN, *args], capture_output=True, text=True,
                       cwd=ROOT)
    last = p.stdout.strip().splitlines()[-1]
    rss, secs = last.split()
    return p.returncode, float(secs[5:]), int(rss[4:]) / 1024, p.stderr


def fmt_rate(r: dict) -> dict:
    if "error" in r:
        return {**r, "mbps": "error", "wps": str(r["error"])}
    return {**r, "size": f"{r['mb']:.1f} MB", "mbps": f"{r['mb'] / r['secs']:.3f}",
            "kbps": f"{r['mb'] * 1000 / r['secs']:.0f}", "wps": f"{r['words'] / r['secs']:,.0f}",
            "secs_s": f"{r['secs']:.1f}", "rss": f"{r['rss_mib']:.0f}",
            "first": f"{r['first_s']:.2f}", "edits_s": f"{r['edits']:,}",
            "model_s": "yes" if r.get("model") else "no"}


def model_installed() -> bool:
    try:
        from unspin.seq2seq.stage import default_model_dir
    except ImportError:
        return False
    return default_model_dir() is not None


def startup() -> list[dict]:
    rows = []
    for label, cmd in [
        ("unspin --version", [*UNSPIN, "--version"]),
        ("python -c 'import unspin'", [PY, "-c", "import unspin"]),
        ("import + first restore (rules only)",
         [PY, "-c", "import unspin; unspin.restore('It will now no longer rain.', "
                    "use_model=False, use_lexicon=False)"]),
        ("import + first restore (use_model=False)",
         [PY, "-c", "import unspin; unspin.restore('It will now no longer rain.', "
                    "use_model=False)"]),
        ("import + first detect", [PY, "-c", "import unspin; unspin.detect('It will now no "
                                             "longer rain.')"]),
    ]:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            ok = subprocess.run(cmd, capture_output=True, cwd=ROOT).returncode == 0
            times.append(time.perf_counter() - t0)
        rows.append({"what": label, "median": f"{statistics.median(times):.2f}",
                     "min": f"{min(times):.2f}", "ok": "ok" if ok else "FAILED"})
    return rows


def jobs_scaling(pool: str, n_files: int, tiers: list[str]) -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix="unspin-bench-jobs-"))
    try:
        src = tmp / "in"
        src.mkdir()
        docs = [d for d in pool.split("\n\n") if d.strip()]
        per = max(1, len(docs) // n_files)
        total = 0
        for i in range(n_files):
            body = "\n\n".join(docs[(i * per) % len(docs):(i * per) % len(docs) + per]) + "\n"
            (src / f"doc{i:04d}.txt").write_text(body, encoding="utf-8")
            total += len(body.encode("utf-8"))
        rows = []
        for tier in tiers:
            base = None
            for jobs in (1, 2):
                out = tmp / f"out-{tier}-{jobs}"
                code, secs, rss, err = timed_cli(["restore", str(src), "-o", str(out), "-q",
                                                  "--report", "json", "--jobs", str(jobs),
                                                  *CLI_FLAGS[tier]])
                base = base or secs
                rows.append({"tier": tier, "jobs": jobs, "files": n_files,
                             "mb": f"{total / 1e6:.2f}", "secs": f"{secs:.1f}",
                             "mbps": f"{total / 1e6 / secs:.3f}",
                             "speedup": f"{base / secs:.2f}x", "rc": code})
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cli_big(pool: str, size_mb: float, tiers: list[str]) -> list[dict]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"spun-{size_mb:g}MB.txt"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as f:
            written = 0
            while written < size_mb * 1e6:
                f.write(pool)
                written += len(pool.encode("utf-8"))
    mb = path.stat().st_size / 1e6
    rows = []
    for tier in tiers:
        out = Path(tempfile.mkdtemp(prefix="unspin-bench-big-"))
        try:
            code, secs, rss, err = timed_cli(["restore", str(path), "-o", str(out), "-q",
                                              "--report", "json", *CLI_FLAGS[tier]])
        finally:
            shutil.rmtree(out, ignore_errors=True)
        rows.append({"tier": tier, "size": f"{mb:.0f} MB", "secs_s": f"{secs:.1f}",
                     "mbps": f"{mb / secs:.3f}", "rss": f"{rss:.0f}", "rc": code})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cell", nargs=2, metavar=("TIER", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="1,10", help="API sizes in MB (default 1,10)")
    ap.add_argument("--size", type=float, default=0,
                    help="also restore a file of this many MB through the CLI (e.g. 100)")
    ap.add_argument("--tiers", default="rules,no-model,default",
                    help="tiers to measure: rules,no-model,default,accurate")
    ap.add_argument("--big-tiers", default="rules,no-model", help="tiers for --size")
    ap.add_argument("--files", type=int, default=200, help="files for the --jobs scaling")
    ap.add_argument("--pool-mb", type=float, default=2.0, help="MB of distinct spun text")
    args = ap.parse_args(argv)
    if args.cell:
        print(json.dumps(cell(*args.cell)))
        return 0

    print(f"# unspin throughput\n\n{machine()}")
    t0 = time.perf_counter()
    pool, about = spun_pool(args.pool_mb)
    print(f"text: {about}; {len(pool.encode('utf-8')) / 1e6:.2f} MB distinct, repeated to size "
          f"(prepared in {time.perf_counter() - t0:.0f}s)\n")
    tiers = [t for t in args.tiers.split(",") if t]
    sizes = [float(s) for s in args.sizes.split(",") if s]
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        path = CACHE / f"api-{size:g}MB.txt"
        path.write_text(text_of_size(pool, size), encoding="utf-8")
        for tier in tiers:
            if tier == "default" and size > min(sizes) and not model_installed():
                continue  # without a model the default path is the no-model path
            r = fmt_rate(run_cell(tier, path))
            rows.append(r)
            print(f"  measured {tier} at {size:g} MB: {r.get('kbps', '?')} KB/s", file=sys.stderr)
    print("## API throughput (one process, 1 MB pieces)\n")
    if "default" in tiers and not model_installed():
        print("(no seq2seq model installed: `default` is measured at the smallest size only)\n")
    print(table(rows, [("tier", "tier"), ("size", "size"), ("seconds", "secs_s"),
                       ("MB/s", "mbps"), ("KB/s", "kbps"), ("words/s", "wps"),
                       ("edits", "edits_s"), ("peak RSS MiB", "rss"),
                       ("first restore s", "first"), ("model loaded", "model_s")]))
    if args.size:
        print(f"\n## CLI streaming path: one {args.size:g} MB file, --report json\n")
        print(table(cli_big(pool, args.size, args.big_tiers.split(",")),
                    [("tier", "tier"), ("size", "size"), ("seconds", "secs_s"),
                     ("MB/s", "mbps"), ("peak RSS MiB", "rss"), ("exit", "rc")]))
    print("\n## Start-up (wall seconds, 3 runs)\n")
    print(table(startup(), [("command", "what"), ("median s", "median"), ("min s", "min"),
                            ("", "ok")]))
    print(f"\n## --jobs scaling: {args.files} files through the CLI, --report json\n")
    print(table(jobs_scaling(pool, args.files, [t for t in ("rules", "no-model") if t in tiers]
                             or ["no-model"]),
                [("tier", "tier"), ("--jobs", "jobs"), ("files", "files"), ("MB", "mb"),
                 ("seconds", "secs"), ("MB/s", "mbps"), ("speed-up", "speedup"),
                 ("exit", "rc")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

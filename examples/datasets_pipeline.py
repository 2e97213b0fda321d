#!/usr/bin/env python3
"""Clean a folder of text files (or a JSON Lines file) with Hugging Face ``datasets`` + unspin.

Usage::

    python examples/datasets_pipeline.py INPUT OUTPUT.jsonl [--column text] [--num-proc 2]
                                          [--glob '*.txt'] [--batch-size 64] [--model]

``INPUT`` is a folder (every file matching ``--glob``, recursively, one row each, with a
``path`` column) or a ``.jsonl`` / ``.jsonl.gz`` file (one JSON object a line; the text is
in ``--column``). Rows are generated lazily and written to an Arrow cache on disk
(``Dataset.from_generator``), so the input may be larger than memory. Each row gets
``restored``, ``n_edits`` and ``spin_score`` columns from ``unspin.restore_batch``; the
result is written to ``OUTPUT.jsonl`` (or, with a ``.parquet`` suffix, to Parquet).
The seq2seq model is off unless ``--model`` is given (the rule + lexicon path is fast).

Example, on the bundled article::

    python examples/datasets_pipeline.py examples/ out/cleaned.jsonl --glob '*.spun.txt'
    python -c "import json; r = json.loads(open('out/cleaned.jsonl').readline()); \\
               print(r['n_edits'], r['restored'][:200])"
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import unspin


def files_rows(paths: list[str]):
    for p in paths:
        with open(p, encoding="utf-8", errors="strict", newline="") as f:
            yield {"path": p, "text": f.read()}


def jsonl_rows(paths: list[str], column: str):
    for p in paths:
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                if column not in row:
                    raise KeyError(f"{p}:{n}: no {column!r} field (pass --column)")
                yield row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help="a folder of text files, or a .jsonl[.gz] file")
    ap.add_argument("output", help="OUTPUT.jsonl or OUTPUT.parquet")
    ap.add_argument("--column", default="text", help="text column of a JSONL input (default text)")
    ap.add_argument("--glob", default="*.txt", help="file pattern inside a folder (default *.txt)")
    ap.add_argument("--num-proc", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--model", action="store_true", help="also use the seq2seq model")
    args = ap.parse_args(argv)

    import datasets

    src = Path(args.input)
    if src.is_dir():
        paths = sorted(str(p) for p in src.rglob(args.glob) if p.is_file())
        gen, gen_kwargs, column = files_rows, {"paths": paths}, "text"
    elif src.is_file():
        paths = [str(src)]
        gen, gen_kwargs, column = jsonl_rows, {"paths": paths, "column": args.column}, args.column
    else:
        print(f"datasets_pipeline: {src}: no such file or folder", file=sys.stderr)
        return 1
    if not paths:
        print(f"datasets_pipeline: no files matching {args.glob!r} under {src}", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="unspin-ds-") as cache:
        ds = datasets.Dataset.from_generator(gen, gen_kwargs=gen_kwargs, cache_dir=cache)
        ds = ds.map(unspin.restore_batch, batched=True, batch_size=args.batch_size,
                    num_proc=args.num_proc if args.num_proc > 1 else None,
                    fn_kwargs={"column": column, "use_model": None if args.model else False},
                    desc="unspin")
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".parquet":
            ds.to_parquet(str(out))
        else:
            ds.to_json(str(out), lines=True, force_ascii=False)
        edits = sum(ds["n_edits"])
    print(f"{len(ds)} rows, {edits} edits -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

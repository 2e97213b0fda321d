"""Measure what the model adds to the pipeline on held-out spun documents.

    python -m unspin.seq2seq.measure --split test --style seed --limit 150

Reads the spun segments that the data build wrote (``data/build/seq2seq/spun/<split>``;
documents never seen in training), restores each with the same :class:`unspin.Restorer`
twice — ``use_model=False`` and with :class:`ModelStage` added — and prints the metrics of
:func:`unspin.evaluate.evaluate` for both (distance closed, clean damage on the originals,
words/s) plus the difference.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path


def load_pairs(path: str | Path, style: str | None, limit: int | None,
               min_words: int = 40) -> list[tuple[str, str]]:
    pairs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if style and r["style"] != style:
                continue
            if len(r["source_text"].split()) < min_words:
                continue
            pairs.append((r["spun_text"], r["source_text"]))
            if limit and len(pairs) >= limit:
                break
    return pairs


def restorers(model_dir: str | None, threshold: float | None, **stage_kw):
    """(pipeline without the model, the same pipeline with the model stage)."""
    from ..pipeline import Restorer
    from .stage import ModelStage

    base = Restorer(use_model=False)
    with_model = Restorer(use_model=False)
    stages = list(with_model.stages)
    kw = dict(stage_kw)
    if threshold is not None:
        kw["threshold"] = threshold
    stage = ModelStage(model_dir, **kw)
    with_model._stages = stages + [stage]
    return base, with_model, stage


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m unspin.seq2seq.measure")
    p.add_argument("--data", default="data/build/seq2seq/spun", help="folder of spun splits")
    p.add_argument("--split", default="test", choices=("train", "dev", "test"))
    p.add_argument("--style", default="seed", help="spinner style to keep ('' for all)")
    p.add_argument("--limit", type=int, default=150, help="segments to use")
    p.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    p.add_argument("--threshold", type=float, default=None)
    p.add_argument("--min-evidence", type=float, default=None)
    p.add_argument("--pairs", default=None,
                   help="JSON Lines of {spun, orig} pairs to use instead of the spun split")
    p.add_argument("--json", default=None, help="write the metrics here too")
    a = p.parse_args(argv)
    from ..evaluate import evaluate

    if a.pairs:
        from ..evaluate import read_pairs

        pairs = read_pairs(a.pairs)[: a.limit or None]
    else:
        pairs = load_pairs(Path(a.data) / f"{a.split}.jsonl.gz", a.style or None, a.limit)
    if not pairs:
        print(f"no pairs in {a.data}/{a.split}.jsonl.gz: run data/build_training_data.py",
              file=sys.stderr)
        return 1
    kw = {}
    if a.min_evidence is not None:
        kw["min_evidence"] = a.min_evidence
    base, with_model, stage = restorers(a.model, a.threshold, **kw)
    stage.restorer  # load before timing
    res = {}
    for name, r in (("without_model", base), ("with_model", with_model)):
        t0 = time.time()
        res[name] = evaluate(pairs, lambda t, r=r: r.restore(t).text)
        res[name]["seconds"] = round(time.time() - t0, 1)
    res["closed_gain_points"] = round(100 * (res["with_model"]["closed"]
                                             - res["without_model"]["closed"]), 2)
    res["settings"] = {"data": a.pairs or f"{a.data}/{a.split} style={a.style}",
                       "pairs": len(pairs),
                       "threshold": stage.threshold, "min_evidence": stage.min_evidence,
                       "min_flag_ratio": stage.min_flag_ratio}
    out = json.dumps(res, indent=2, default=float)
    print(out)
    if a.json:
        Path(a.json).write_text(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

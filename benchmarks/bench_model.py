#!/usr/bin/env python
"""Words per second of the model stage (and of the whole pipeline with it) on spun text.

    .venv/bin/python benchmarks/bench_model.py [--threads 2] [--words 20000]

The text is held-out documents spun by ``unspin.spinner`` (seed style): the test split the data
build wrote if it is there, else a few UN General Debates documents spun on the fly.
Prints words/s of ``ModelStage.propose`` alone and of ``Restorer.restore`` with the model.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def spun_texts(n_words: int) -> list[str]:
    path = ROOT / "data/build/seq2seq/spun/test.jsonl.gz"
    texts, total = [], 0
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r["style"] == "seed":
                    texts.append(r["spun_text"])
                    total += len(r["spun_text"].split())
                    if total >= n_words:
                        return texts
    from unspin.seq2seq.data import read_corpora, segment
    from unspin.spinner import spin

    for doc in read_corpora(ROOT.parent / "shared/corpora", ["un_general_debates"]):
        for seg in segment(doc.text):
            texts.append(spin(seg, style="seed", seed=1).text)
            total += len(seg.split())
            if total >= n_words:
                return texts
    return texts


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--words", type=int, default=20000)
    p.add_argument("--model", default=None)
    a = p.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    from unspin.seq2seq.measure import restorers

    texts = spun_texts(a.words)
    n = sum(len(t.split()) for t in texts)
    base, with_model, stage = restorers(a.model, None, threads=a.threads)
    stage.restorer
    # the documents as the model stage sees them in the pipeline: with the rule table's and
    # the other stages' proposals (the stage runs only where seed-tier rules fired, and
    # skips spans already proposed), built before the clock starts
    docs = [base.propose(t) for t in texts]
    stage.propose(docs[0])  # warm up
    n_spans = sum(len(stage.candidates(doc)) for doc in docs)
    t0 = time.perf_counter()
    n_edits = 0
    for doc in docs:
        n_edits += len(stage.propose(doc))
    dt = time.perf_counter() - t0
    print(f"ModelStage.propose: {n} words in {dt:.2f}s = {n / dt:.0f} words/s "
          f"({n_spans} spans sent, {n_edits} edits, {a.threads} threads)")
    t0 = time.perf_counter()
    for t in texts:
        with_model.restore(t)
    dt2 = time.perf_counter() - t0
    print(f"Restorer.restore with the model: {n / dt2:.0f} words/s")
    t0 = time.perf_counter()
    for t in texts:
        base.restore(t)
    dt3 = time.perf_counter() - t0
    print(f"Restorer.restore without the model: {n / dt3:.0f} words/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

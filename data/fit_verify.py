"""Fit the accurate tier's ``TermStage.verify_weight`` honestly: how much SmolLM2's
log-likelihood ratio counts when it re-reads the term stage's unsure candidates.

The same cross-fitted folds as ``fit_terms.py`` (PPS **train** split; each fold scored by a
term resource and a lexicon built without it), each pair in one neutral carrier sentence,
and, as clean negatives, every candidate the stage finds in the *original* carrier sentence
(the setting where the second opinion runs: short texts). Candidates whose confidence under
the shipped weights is in ``[verify_from, threshold)`` get SmolLM2's gain; the weight is the
one-parameter logistic fit of the label on ``logit(confidence) + w * gain``. Prints the fit
and, per weight, what the pipeline-like selection would restore and damage.

Usage (needs the accurate tier: ``UNSPIN_ACCURATE=1 bash scripts/setup.sh``; about 10
minutes on 2 cores)::

    .venv/bin/python data/fit_verify.py
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
from build_devsets import CARRIERS  # noqa: E402
from corpus_split import read_pps  # noqa: E402
from fit_terms import add_sources, fold_stages, label  # noqa: E402
from unspin.document import Document  # noqa: E402
from unspin.terms import sigmoid  # noqa: E402
from unspin.text import count_words  # noqa: E402


def _rows(stage, text: str, orig: str | None, fold: int) -> list[dict]:
    """Every candidate of ``text`` (labelled against ``orig``; ``None``: clean, all
    negative), with its confidence under the shipped weights."""
    out = []
    for s, e, spans, outw, feats, rid in stage.candidates(Document(text)):
        conf = stage.confidence(feats)
        edit = stage._edit(text, spans, outw, rid, conf)
        if edit is None:
            continue
        y = label(text, orig, s, e, spans, outw) if orig is not None else 0
        out.append({"fold": fold, "text": text, "edit": edit, "conf": conf, "y": y,
                    "clean": orig is None, "gain": 0.0})
    return out


def select(rows: list[dict], w: float, thr: float, lo: float) -> tuple[int, int, int]:
    """(right, wrong, clean words changed) of the most-confident-first, non-overlapping
    selection per text, with verified confidences for candidates in ``[lo, thr)``."""
    groups: dict = {}
    for r in rows:
        c = r["conf"]
        if lo <= c < thr:
            c = sigmoid(math.log(c / (1 - c)) + w * r["gain"])
        if c >= thr:
            groups.setdefault((r["fold"], r["clean"], r["text"]), []).append((c, r))
    right = wrong = clean = 0
    for cands in groups.values():
        kept: list = []
        for c, r in sorted(cands, key=lambda x: -x[0]):
            ed = r["edit"]
            if any(ed.start < k.end and k.start < ed.end for k in kept):
                continue
            kept.append(ed)
            if r["clean"]:
                clean += count_words(ed.original)
            elif r["y"]:
                right += 1
            else:
                wrong += 1
    return right, wrong, clean


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_sources(ap)
    args = ap.parse_args(argv)
    from unspin.lm import get_scorer

    neural = get_scorer("accurate")
    rng = random.Random(7)
    rows: list[dict] = []
    clean_words = 0
    for f, held, stage in fold_stages(read_pps(split="train"), args):
        for t, e, _ in held:
            c = rng.choice(CARRIERS)
            text, orig = c.format(t), c.format(e)
            rows += _rows(stage, text, orig, f)
            rows += _rows(stage, orig, None, f)
            clean_words += count_words(orig)
        stage.neural = neural
        unsure = [r for r in rows if r["fold"] == f
                  and stage.verify_from <= r["conf"] < stage.threshold]
        by_text: dict = {}
        for r in unsure:
            by_text.setdefault(r["text"], []).append(r)
        for text, rs in by_text.items():
            for r, g in zip(rs, stage.lm_gains(text, [r["edit"] for r in rs])):
                r["gain"] = g
        print(f"fold {f}: {len(held)} pairs, {len(rows)} rows, {len(unsure)} unsure",
              file=sys.stderr)
    lo, thr = stage.verify_from, stage.threshold
    un = [r for r in rows if lo <= r["conf"] < thr]
    z = np.array([math.log(r["conf"] / (1 - r["conf"])) for r in un])
    g = np.array([r["gain"] for r in un])
    y = np.array([r["y"] for r in un], dtype=float)
    best = (-math.inf, 0.0)
    for w in np.arange(0.0, 2.001, 0.05):
        p = 1 / (1 + np.exp(-(z + w * g)))
        ll = float(np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        best = max(best, (ll, round(float(w), 2)))
    print(f"unsure candidates {len(un)} (positive {int(y.sum())}); "
          f"maximum-likelihood verify_weight {best[1]}")
    n_pairs = len({(r["fold"], r["text"]) for r in rows if not r["clean"]})
    for w in (0.0, 0.1, 0.2, 0.3, 0.5, best[1]):
        right, wrong, clean = select(rows, w, thr, lo)
        print(f"w {w}: right {right} of {n_pairs} carrier pairs with a candidate, wrong {wrong}, "
              f"clean words changed {clean} of {clean_words} ({100 * clean / clean_words:.2f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

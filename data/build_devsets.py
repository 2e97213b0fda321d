"""Build the dev sets for ``unspin eval`` (JSON Lines of ``{"spun", "orig", "source"}``).

Written to ``data/dev/``:

* ``handwritten.jsonl`` — ~40 spun/original sentence pairs we wrote ourselves in the style of
  the seed spinner (kept in git; this script does not touch it).
* ``generated/synthetic_thesaurus.jsonl`` — the held-out UN statements of ``synthetic_un.jsonl``
  spun by the generic thesaurus style (random WordNet synonyms; no signature phrases).
* ``handwritten_spinbot.jsonl`` — 42 pairs we wrote in the style of the SpinBot family
  (kept in git; not touched here).
* ``pps_carrier_unseen.jsonl`` / ``pps_carrier_seen.jsonl`` — PPS tortured phrases (from
  ../shared/tortured-phrases/pps_dev.tsv, MIT) placed into neutral carrier sentences we wrote;
  "unseen" = the pairs held out of the lexicon's channel model (``corpus_split.pps_is_heldout``).
  The rule table may still list them; evaluate with ``--no-rules`` style setups to measure
  generalisation.
* ``pps_carrier_variants.jsonl`` — new tortured forms of known terms: pairs whose term keeps
  another form in training (``corpus_split.pps_variants_heldout``); measure them against
  resources built with ``--pps-split variants-train`` and ``data/eval_table.py
  --without-pps variants-heldout``.
* ``synthetic_un.jsonl`` — held-out UN debate statements (2023-2024, CC0) cut to ~``--words``
  words and spun by ``unspin.spinner`` (style "seed").

Written to ``data/dev/generated/`` (git-ignored; CC BY-SA sources, rebuilt at run time):

* ``synthetic_wiki.jsonl``, ``synthetic_ose.jsonl`` — the same for held-out Wikipedia and
  OneStopEnglish documents.

Usage::

    .venv/bin/python data/build_devsets.py            # defaults: 60 docs per corpus, 250 words
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
from corpus_split import DEFAULT_CORPORA, DEFAULT_PPS, iter_docs, read_pps  # noqa: E402

DEV = HERE / "dev"

# Neutral carrier sentences (our own). "{}" takes the phrase; they avoid every PPS word.
CARRIERS = [
    "In this paper we study {} in detail.",
    "The results show that {} plays an important part.",
    "We describe a new approach based on {} for this task.",
    "Recent work on {} has drawn wide attention.",
    "This section gives a short overview of {}.",
    "Our experiments compare {} with two baselines.",
    "The proposed method relies on {} at every step.",
    "Many researchers have used {} in earlier studies.",
    "We then apply {} to the collected samples.",
    "The second part of the survey focuses on {}.",
]


def cut_words(text: str, n: int) -> str:
    """The first paragraphs of ``text`` holding about ``n`` words (whole sentences)."""
    out, count = [], 0
    for para in text.split("\n"):
        if count >= n:
            break
        words = para.split()
        if count + len(words) > n * 1.3 and out:
            break
        out.append(para)
        count += len(words)
    return "\n".join(out)


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows):5d} pairs -> {path}", file=sys.stderr)


def pps_rows(split: str, pps_path: Path, limit: int) -> list[dict]:
    rows = []
    data = read_pps(pps_path, split)
    rng = random.Random(7)
    rng.shuffle(data)
    for t, e, n in data[:limit]:
        c = CARRIERS[zlib.crc32(t.encode()) % len(CARRIERS)]
        rows.append({"spun": c.format(t), "orig": c.format(e), "source": f"pps-{split}",
                     "tortured": t, "expected": e})
    return rows


def synthetic_rows(corpus: str, corpora: Path, n_docs: int, words: int, rate: float,
                   style: str = "seed") -> list[dict]:
    from unspin.spinner import spin

    docs = [rec for name, rec in iter_docs(corpora, "heldout", (corpus,))]
    rng = random.Random(11)
    rng.shuffle(docs)
    rows = []
    for k, rec in enumerate(docs[:n_docs]):
        orig = cut_words(rec["text"], words)
        s = spin(orig, style=style, rate=rate, seed=k)
        tag = corpus if style == "seed" else f"{corpus}-{style}"
        rows.append({"spun": s.text, "orig": orig, "source": f"synthetic-{tag}:{rec['id']}",
                     "license": rec.get("license", "")})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=str(DEFAULT_CORPORA))
    ap.add_argument("--pps", default=str(DEFAULT_PPS))
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--words", type=int, default=250)
    ap.add_argument("--rate", type=float, default=0.3)
    ap.add_argument("--pps-limit", type=int, default=400)
    args = ap.parse_args(argv)
    corpora = Path(args.corpora)
    write(DEV / "pps_carrier_unseen.jsonl", pps_rows("heldout", Path(args.pps), args.pps_limit))
    write(DEV / "pps_carrier_seen.jsonl", pps_rows("train", Path(args.pps), args.pps_limit))
    write(DEV / "pps_carrier_variants.jsonl",
          pps_rows("variants-heldout", Path(args.pps), args.pps_limit))
    try:
        import unspin.spinner  # noqa: F401
    except ImportError:
        print("unspin.spinner is not available yet: synthetic sets skipped", file=sys.stderr)
        return 0
    write(DEV / "synthetic_un.jsonl", synthetic_rows("un", corpora, args.docs, args.words, args.rate))
    for c in ("wiki", "ose"):
        write(DEV / "generated" / f"synthetic_{c}.jsonl",
              synthetic_rows(c, corpora, args.docs, args.words, args.rate))
    # a generic thesaurus spinner: random WordNet synonyms, no signature phrases at all
    write(DEV / "generated" / "synthetic_thesaurus.jsonl",
          synthetic_rows("un", corpora, args.docs, args.words, args.rate, style="thesaurus"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

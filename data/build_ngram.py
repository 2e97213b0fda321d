"""Build the compact trigram count model shipped at ``src/unspin/resources/ngram/``.

Trains on the permissively licensed, non-held-out part of ../shared/corpora (see
``corpus_split.py``: UN debates 1990-2022, 9 of 10 Wikipedia documents, 4 of 5 OneStopEnglish
groups; never Reuters). Tokens are folded words (``unspin.lm.lm_tokens``: lower case, digits
-> ``<num>``, punctuation kept, ``<s>`` at sentence starts). Output, one ``.npz``:

* ``vocab`` (newline-joined words, id = line number; 0 = ``<unk>``, 1 = ``<s>``),
  ``uni`` (uint32 counts);
* ``bi_keys`` (sorted int64 ``a*V+b``), ``bi_counts`` (uint32), ``bi_fanout`` (uint32, number
  of distinct trigram continuations of the bigram, for Kneser-Ney-style interpolation),
  ``uni_fanout`` (distinct bigram continuations of each word);
* ``tri_keys`` (sorted int64 ``(a*V+b)*V+c``), ``tri_counts`` (uint16).

Pruning: vocabulary = words seen >= ``--min-word`` times; bigrams kept with count >=
``--min-bi``, trigrams >= ``--min-tri``.

Usage (about 4 minutes, one core)::

    .venv/bin/python data/build_ngram.py            # defaults: ../shared/corpora -> resources
    .venv/bin/python data/build_ngram.py --corpora /path/to/corpora --out model.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from corpus_split import DEFAULT_CORPORA, iter_docs  # noqa: E402
from unspin.lm import lm_tokens  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "unspin" / "resources" / "ngram" / "trigram.npz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=str(DEFAULT_CORPORA))
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--min-word", type=int, default=2)
    ap.add_argument("--min-bi", type=int, default=1)
    ap.add_argument("--min-tri", type=int, default=2)
    ap.add_argument("--max-docs", type=int, default=0, help="for quick tests")
    args = ap.parse_args(argv)

    t0 = time.time()
    docs: list[list[str]] = []
    wc: Counter = Counter()
    for n, (_, rec) in enumerate(iter_docs(args.corpora, "train")):
        if args.max_docs and n >= args.max_docs:
            break
        toks = lm_tokens(rec["text"])
        wc.update(toks)
        docs.append(toks)
    print(f"tokenised {len(docs)} docs, {sum(wc.values())} tokens, {len(wc)} types "
          f"in {time.time() - t0:.0f}s", file=sys.stderr)

    vocab = ["<unk>", "<s>"] + sorted(w for w, c in wc.items()
                                      if c >= args.min_word and w not in ("<unk>", "<s>"))
    index = {w: i for i, w in enumerate(vocab)}
    V = len(vocab)
    ids = np.fromiter((index.get(t, 0) for d in docs for t in d), dtype=np.int64)
    del docs
    print(f"vocab {V}, ids {len(ids)}", file=sys.stderr)

    uni = np.bincount(ids, minlength=V).astype(np.uint32)
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    # no n-gram may cross a sentence start (<s> = 1) except as its first token
    bi = ids[:-1] * V + ids[1:]
    bi = bi[ids[1:] != 1]
    bi_keys, bi_counts = np.unique(bi, return_counts=True)
    del bi
    tri = (a * V + b) * V + c
    tri = tri[(b != 1) & (c != 1)]
    tri_keys, tri_counts = np.unique(tri, return_counts=True)
    del tri, a, b, c
    print(f"bigram types {len(bi_keys)}, trigram types {len(tri_keys)}", file=sys.stderr)

    # fan-outs before pruning
    uni_fanout = np.bincount(bi_keys // V, minlength=V).astype(np.uint32)
    tri_prefix = tri_keys // V
    pref, pref_n = np.unique(tri_prefix, return_counts=True)
    bi_fanout = np.zeros(len(bi_keys), dtype=np.uint32)
    pos = np.searchsorted(bi_keys, pref)
    ok = (pos < len(bi_keys))
    ok[ok] = bi_keys[pos[ok]] == pref[ok]
    bi_fanout[pos[ok]] = pref_n[ok]

    keep_b = bi_counts >= args.min_bi
    keep_t = tri_counts >= args.min_tri
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        vocab=np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
        uni=uni, uni_fanout=uni_fanout,
        bi_keys=bi_keys[keep_b], bi_counts=bi_counts[keep_b].astype(np.uint32),
        bi_fanout=bi_fanout[keep_b],
        tri_keys=tri_keys[keep_t], tri_counts=np.minimum(tri_counts[keep_t], 65535).astype(np.uint16),
    )
    print(f"kept {keep_b.sum()} bigrams, {keep_t.sum()} trigrams -> {out} "
          f"({out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

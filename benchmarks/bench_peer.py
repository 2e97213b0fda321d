#!/usr/bin/env python
"""unspin against the PyPI peer ``torturephrases-estimator`` 4.0, side by side in one run, on the
same texts: detection speed and recall on the PPS dev phrases. Prints tables; asserts nothing.

    .venv/bin/pip install 'torturephrases-estimator==4.0'
    nice .venv/bin/python benchmarks/bench_peer.py [--docs 200] [--limit 0]

The peer (``TorturePhrases_Estimator.TorturePhrasesEstimator``) lower-cases the text and tests
each of its 147,517 list entries with ``entry in text``; it reports the entries found (no
offsets). Its list is loaded once, outside the timings (its module-level
``identify_tortured_phrases`` reloads the list on every call; we do not use that).

unspin is measured as ``unspin detect``'s default, the rule-table screen
(``unspin.detect(text, use_lexicon=False)``), and as ``unspin detect --deep``
(``unspin.detect(text)``: rules + lexicon).

* Speed: spun Reuters-21578 documents (``unspin.spinner``, seed style), one call per document,
  and the same documents joined into one text, one call.
* Recall: each PPS dev pair (``shared/tortured-phrases/pps_dev.tsv``) is put into a neutral
  carrier sentence; a tool "flags" it when something it reports overlaps the tortured phrase
  (for the peer: an occurrence of a found entry). The same carrier with the *expected* term
  counts false flags. unspin's PPS rules were built from this very file, so its recall here is
  on "seen" phrases; the peer's list is the screener's full fingerprint list.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, corpus_docs, machine, table  # noqa: E402

CARRIERS = [
    "We describe {} in the next section.",
    "This paper is about {} and how it is used.",
    "The method relies on {} for the main results.",
    "Table 2 lists {} for each data set.",
    "Earlier work on {} is reviewed below.",
]


def load_peer():
    try:
        from TorturePhrases_Estimator.torture_phrases import TorturePhrasesEstimator
    except ImportError:
        return None, 0.0
    t0 = time.perf_counter()
    est = TorturePhrasesEstimator()
    return est, time.perf_counter() - t0


def pps_pairs(limit: int) -> list[tuple[str, str]]:
    path = SHARED / "tortured-phrases" / "pps_dev.tsv"
    pairs = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
                pairs.append((parts[0].strip(), parts[1].strip()))
    if limit and limit < len(pairs):
        step = len(pairs) / limit
        pairs = [pairs[int(i * step)] for i in range(limit)]
    return pairs


def carriers(terms: list[str]) -> list[tuple[str, int, int]]:
    out = []
    for i, t in enumerate(terms):
        tpl = CARRIERS[i % len(CARRIERS)]
        start = tpl.index("{}")
        out.append((tpl.format(t), start, start + len(t)))
    return out


def peer_flags(est, sents: list[tuple[str, int, int]]) -> tuple[list[bool], float]:
    """Per-sentence peer flags, computed exactly as per-sentence calls would but in one call
    over the sentences joined by newlines (no list entry contains a newline)."""
    joined = "\n".join(s for s, _, _ in sents)
    t0 = time.perf_counter()
    found, _ = est.identify_tortured_phrases(joined)
    secs = time.perf_counter() - t0
    low = joined.lower()
    assert len(low) == len(joined)
    starts, pos = [], 0
    for s, _, _ in sents:
        starts.append(pos)
        pos += len(s) + 1
    flags = [False] * len(sents)
    import bisect

    for entry in set(found):
        i = low.find(entry)
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            _, a, b = sents[k]
            o = i - starts[k]
            if o < b and a < o + len(entry):
                flags[k] = True
            i = low.find(entry, i + 1)
    return flags, secs


def unspin_flags(fn, sents) -> tuple[list[bool], float]:
    t0 = time.perf_counter()
    flags = []
    for s, a, b in sents:
        flags.append(any(x.start < b and a < x.end for x in fn(s)))
    return flags, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=200, help="spun Reuters documents for speed")
    ap.add_argument("--limit", type=int, default=0, help="PPS pairs (0: all 4,595)")
    args = ap.parse_args(argv)

    import unspin
    from unspin.pipeline import Restorer

    print(f"# unspin vs torturephrases-estimator\n\n{machine()}")
    est, peer_load = load_peer()
    if est is None:
        print("torturephrases-estimator is not installed: "
              ".venv/bin/pip install 'torturephrases-estimator==4.0'")
        return 0
    from unspin import detect as unspin_detect

    unspin_detect("warm up: now no longer")
    unspin_detect("warm up: now no longer", use_lexicon=False)
    have_detect = True
    t0 = time.perf_counter()
    rules = Restorer(use_lexicon=False, use_model=False)
    rules.restore("warm up now no longer")
    rules_load = time.perf_counter() - t0
    print(f"peer list: {len(est.tortured_phrases):,} entries, loaded in {peer_load:.2f}s; "
          f"unspin rule table: {len(rules.rule_stage.table):,} rules"
          + ("" if have_detect else "; unspin.detect absent: rule-table screen only"))

    tools = [("unspin detect (rule screen, default)",
              lambda s: unspin_detect(s, use_lexicon=False).spans),
             ("unspin detect --deep", lambda s: unspin_detect(s).spans)]

    # ---------------------------------------------------------------- speed
    docs = corpus_docs("reuters21578", 10**9)[: args.docs]
    try:
        from unspin.spinner import spin

        texts = [spin(d, style="seed", rate=0.3, seed=i).text for i, d in enumerate(docs)]
        about = f"{len(texts)} Reuters-21578 documents spun by unspin.spinner"
    except ImportError:
        texts, about = docs, f"{len(docs)} Reuters-21578 documents (unspun: no spinner)"
    if not texts:
        ex = (Path(__file__).resolve().parents[1] / "examples" / "harbour-council.spun.txt")
        texts, about = [ex.read_text(encoding="utf-8")] * 20, "the bundled example x20"
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    joined = "\n\n".join(texts)
    rows = []
    t0 = time.perf_counter()
    for t in texts:
        est.identify_tortured_phrases(t)
    peer_docs = time.perf_counter() - t0
    t0 = time.perf_counter()
    est.identify_tortured_phrases(joined)
    peer_one = time.perf_counter() - t0
    rows.append({"tool": "torturephrases-estimator", "per_doc": f"{peer_docs:.2f}",
                 "mbps": f"{mb / peer_docs:.4f}", "one": f"{peer_one:.2f}",
                 "mbps1": f"{mb / peer_one:.4f}", "ratio": "1x", "ratio1": "1x"})
    for name, fn in tools:
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        secs = time.perf_counter() - t0
        t0 = time.perf_counter()
        fn(joined)
        one = time.perf_counter() - t0
        rows.append({"tool": name, "per_doc": f"{secs:.2f}", "mbps": f"{mb / secs:.4f}",
                     "one": f"{one:.2f}", "mbps1": f"{mb / one:.4f}",
                     "ratio": f"{peer_docs / secs:.1f}x", "ratio1": f"{peer_one / one:.1f}x"})
    print(f"\n## Detection speed: {about}, {mb:.2f} MB\n")
    print(table(rows, [("tool", "tool"), ("per-doc calls s", "per_doc"), ("MB/s", "mbps"),
                       ("speed vs peer", "ratio"), ("one joined text s", "one"),
                       ("MB/s ", "mbps1"), ("speed vs peer ", "ratio1")]))

    # ---------------------------------------------------------------- recall
    pairs = pps_pairs(args.limit)
    tort = carriers([t for t, _ in pairs])
    orig = carriers([e for _, e in pairs])
    rrows = []
    pf, psecs = peer_flags(est, tort)
    pc, _ = peer_flags(est, orig)
    rrows.append({"tool": "torturephrases-estimator", "n": f"{len(pairs):,}",
                  "hits": f"{sum(pf):,}", "recall": f"{100 * sum(pf) / len(pairs):.1f}%",
                  "false": f"{sum(pc):,}", "fpr": f"{100 * sum(pc) / len(pairs):.1f}%",
                  "secs": f"{psecs:.1f} (one joined call)"})
    for name, fn in tools:
        f1, secs = unspin_flags(fn, tort)
        f0, _ = unspin_flags(fn, orig)
        rrows.append({"tool": name, "n": f"{len(pairs):,}", "hits": f"{sum(f1):,}",
                      "recall": f"{100 * sum(f1) / len(pairs):.1f}%", "false": f"{sum(f0):,}",
                      "fpr": f"{100 * sum(f0) / len(pairs):.1f}%",
                      "secs": f"{secs:.1f} ({len(pairs):,} calls)"})
        both = sum(a and b for a, b in zip(f1, pf))
        rrows[-1]["both"] = f"{both:,}"
    print(f"\n## Recall on the PPS dev phrases in carrier sentences "
          f"({len(CARRIERS)} templates, e.g. {CARRIERS[0]!r})\n")
    print(table(rrows, [("tool", "tool"), ("phrases", "n"), ("flagged", "hits"),
                        ("recall", "recall"), ("also flagged by peer", "both"),
                        ("flags on expected term", "false"), ("false-flag rate", "fpr"),
                        ("seconds", "secs")]))
    missed = [t for (t, _), a in zip(pairs, unspin_flags(tools[0][1], tort[:300])[0]) if not a]
    print(f"\nfirst phrases {tools[0][0]} misses (of the first 300): "
          f"{', '.join(missed[:12]) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

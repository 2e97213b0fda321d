"""Which documents of ../shared/corpora train shipped models and which are held out.

One rule, used by every build script, so evaluation text never leaks into training:

* UN General Debates (CC0): years 2023-2024 are held out; 1990-2022 train.
* Wikipedia 2015 (CC BY-SA 3.0): every 10th document (by file order, index % 10 == 9) is
  held out.
* OneStopEnglish (CC BY-SA 4.0): split by ``group`` (the three reading levels of one article
  stay together); a group is held out when ``crc32(group) % 5 == 0``.
* Reuters-21578 is research-only: never used to train, only (optionally) for experiments.

>>> is_heldout("un", {"year": 2023})
True
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Iterator

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

PERMISSIVE = {
    "un": "un_general_debates/un_general_debates_1990_2024.jsonl.gz",
    "wiki": "wikipedia_en_2015/wikipedia_en_2015.jsonl.gz",
    "ose": "onestopenglish/onestopenglish.jsonl.gz",
}


def is_heldout(corpus: str, rec: dict, index: int = 0) -> bool:
    """Whether document ``rec`` (at position ``index`` of its file) is held out for evaluation."""
    if corpus == "un":
        return int(rec.get("year", 0)) >= 2023
    if corpus == "wiki":
        return index % 10 == 9
    if corpus == "ose":
        return zlib.crc32(rec["group"].encode()) % 5 == 0
    raise ValueError(f"unknown corpus {corpus!r}")


def iter_docs(corpora: Path | str = DEFAULT_CORPORA, split: str = "train",
              names: tuple[str, ...] = ("un", "wiki", "ose")) -> Iterator[tuple[str, dict]]:
    """Yield ``(corpus, record)`` for the documents of ``split`` ("train" or "heldout")."""
    corpora = Path(corpora)
    for name in names:
        with gzip.open(corpora / PERMISSIVE[name], "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                rec = json.loads(line)
                if is_heldout(name, rec, i) == (split == "heldout"):
                    yield name, rec


def pps_is_heldout(expected: str) -> bool:
    """PPS pairs held out of the lexicon's channel model (1 in 5, by the expected term)."""
    return zlib.crc32(expected.strip().lower().encode()) % 5 == 0


DEFAULT_PPS = DEFAULT_CORPORA.parent / "tortured-phrases" / "pps_dev.tsv"


PPS_SPLITS = ("all", "train", "heldout", "variants-train", "variants-heldout")


def pps_new_forms(rows: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """The ``(tortured, expected)`` forms of train-split terms with two or more tortured
    forms, except each term's most common form (most papers): the forms a resource may be
    asked to restore as *new forms of a known term* while the term keeps another.

    >>> pps_new_forms([("profound learning", "deep learning", 90),
    ...                ("significant learning", "deep learning", 2), ("a b", "c d", 1)])
    [('significant learning', 'deep learning')]
    """
    by_term: dict[str, list[tuple[str, str, int]]] = {}
    for t, e, n in rows:
        if not pps_is_heldout(e):
            by_term.setdefault(e.strip().lower(), []).append((t, e, n))
    out = []
    for forms in by_term.values():
        if len(forms) >= 2:
            top = max(forms, key=lambda r: (r[2], r[0]))
            out.extend((t, e) for t, e, _ in forms if (t, e) != top[:2])
    return out


def pps_variants_heldout(rows: list[tuple[str, str, int]]) -> set[tuple[str, str]]:
    """``(tortured, expected)`` pairs held out as *new forms of known terms*.

    The term-level split (:func:`pps_is_heldout`) asks for terms never seen; a real new
    tortured phrase is often a new spinning of a term the table already knows (539 of the
    3,345 expected terms have two or more tortured forms, 1,789 of the 4,595 pairs). One in
    three of :func:`pps_new_forms` is held out, by ``crc32(tortured) % 3 == 0``.

    >>> sorted(pps_variants_heldout([("profound learning", "deep learning", 90),
    ...     ("significant learning", "deep learning", 2), ("a b", "c d", 1)]))
    [('significant learning', 'deep learning')]
    """
    return {(t, e) for t, e in pps_new_forms(rows)
            if zlib.crc32(t.strip().lower().encode()) % 3 == 0}


def read_pps(path: Path | str = DEFAULT_PPS, split: str = "all") -> list[tuple[str, str, int]]:
    """``(tortured, expected, num_papers)`` rows of the PPS file, one of :data:`PPS_SPLITS`:
    "train"/"heldout" by expected term (:func:`pps_is_heldout`), "variants-train" /
    "variants-heldout" by tortured form (:func:`pps_variants_heldout`), or "all"."""
    if split not in PPS_SPLITS:
        raise ValueError(f"split must be one of {PPS_SPLITS}, not {split!r}")
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            t, e = parts[0].strip(), parts[1].strip()
            n = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
            rows.append((t, e, n))
    if split in ("train", "heldout"):
        return [r for r in rows if pps_is_heldout(r[1]) == (split == "heldout")]
    if split.startswith("variants-"):
        held = pps_variants_heldout(rows)
        return [r for r in rows if ((r[0], r[1]) in held) == (split == "variants-heldout")]
    return rows

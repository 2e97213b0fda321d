"""Edits: the only thing that ever changes text.

Every change unspin makes, whatever made it, is an :class:`Edit` with character offsets into
the input, both strings, its source, its rule id or model name, and a confidence.
:func:`apply_edits` is the one function that turns edits into output text.

>>> e = Edit(4, 17, "now no longer", "not", "rule", "spinbot.now-no-longer", 0.97)
>>> apply_edits("Did now no longer go.", [e])
'Did not go.'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

SOURCES = ("rule", "lexicon", "model")


@dataclass(frozen=True, order=True)
class Edit:
    """One replacement of ``text[start:end]`` (== ``original``) by ``replacement``.

    ``source`` is ``"rule"``, ``"lexicon"`` or ``"model"``; ``rule_id`` names the rule, the
    lexicon entry or the model that proposed it; ``confidence`` is in [0, 1].
    """

    start: int
    end: int
    original: str
    replacement: str
    source: str = "rule"
    rule_id: str = ""
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit span {self.start}:{self.end}")
        if self.end - self.start != len(self.original):
            raise ValueError(f"edit {self.start}:{self.end} does not span {self.original!r}")
        if self.source not in SOURCES:
            raise ValueError(f"edit source must be one of {SOURCES}, not {self.source!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"edit confidence {self.confidence} is outside [0, 1]")

    def shifted(self, offset: int) -> "Edit":
        """The same edit with offsets moved by ``offset`` (for chunked input)."""
        if not offset:
            return self
        # a validated edit moved stays valid: skip the frozen-dataclass __init__ (hot path)
        moved = object.__new__(Edit)
        moved.__dict__.update(self.__dict__)
        moved.__dict__["start"] = self.start + offset
        moved.__dict__["end"] = self.end + offset
        return moved

    def to_dict(self) -> dict:
        # written out field by field: dataclasses.asdict deep-copies and is ~10x slower
        return {"start": self.start, "end": self.end, "original": self.original,
                "replacement": self.replacement, "source": self.source,
                "rule_id": self.rule_id, "confidence": round(self.confidence, 4)}

    @classmethod
    def from_dict(cls, d: dict) -> "Edit":
        return cls(int(d["start"]), int(d["end"]), d["original"], d["replacement"],
                   d.get("source", "rule"), d.get("rule_id", ""), float(d.get("confidence", 1.0)))


def check_edits(text: str, edits: Sequence[Edit]) -> None:
    """Raise ``ValueError`` unless edits are sorted, non-overlapping and match ``text``."""
    last_end = -1
    for e in edits:
        if e.start < last_end or (e.start == last_end and e.start == e.end):
            raise ValueError(f"edits overlap or are unsorted at {e.start}")
        if e.end > len(text) or text[e.start:e.end] != e.original:
            raise ValueError(f"edit {e.start}:{e.end} {e.original!r} does not match the text")
        last_end = e.end


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replay ``edits`` on ``text``; everything outside them is copied byte for byte.

    >>> apply_edits("a b c", [Edit(2, 3, "b", "B")])
    'a B c'
    """
    edits = sorted(edits)
    check_edits(text, edits)
    out: list[str] = []
    pos = 0
    for e in edits:
        out.append(text[pos:e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def compose_edits(text: str, first: Sequence[Edit], second: Sequence[Edit]) -> list[Edit]:
    """Edits on ``text`` equal to applying ``first``, then ``second`` (whose offsets are into
    the output of ``first``). A second-pass edit that touches a first-pass replacement is
    merged with it into one edit, with the later edit's source and the lower confidence.

    >>> t = "an excessive weather extrude"
    >>> e1 = [Edit(13, 28, "weather extrude", "climate change", "rule", "a", 0.9)]
    >>> e2 = [Edit(3, 12, "excessive", "extreme", "rule", "b", 0.7)]
    >>> both = compose_edits(t, e1, e2)
    >>> apply_edits(t, both) == apply_edits(apply_edits(t, e1), e2), len(both)
    (True, 2)
    >>> e3 = [Edit(3, 20, "excessive climate", "harsh weather", "rule", "c", 0.6)]
    >>> [(e.original, e.replacement) for e in compose_edits(t, e1, e3)]
    [('excessive weather extrude', 'harsh weather change')]
    """
    first = sorted(first)
    second = sorted(second)
    if not second:
        return list(first)
    mid = apply_edits(text, first)
    regions: list[tuple[int, int, Edit]] = []  # first-pass replacements, in ``mid``
    shift = 0
    for e in first:
        regions.append((e.start + shift, e.start + shift + len(e.replacement), e))
        shift += len(e.replacement) - (e.end - e.start)

    def touches(a: int, b: int, lo: int, hi: int) -> bool:
        if a == b or lo == hi:
            return lo <= a <= hi if a == b else a <= lo <= b and a < lo < b
        return a < hi and lo < b

    def to_text(pos: int) -> int:
        # ``pos`` lies outside every replacement: undo the shifts of those before it.
        return pos - sum(len(e.replacement) - (e.end - e.start)
                         for a, b, e in regions if b <= pos and not (a == b == pos))

    out: list[Edit] = []
    merged: set[int] = set()
    i = 0
    while i < len(second):
        group = [second[i]]
        lo, hi = second[i].start, second[i].end
        i += 1
        touched: set[int] = set()
        while True:
            new = {k for k, (a, b, _) in enumerate(regions) if touches(a, b, lo, hi)} - touched
            grew = bool(new)
            touched |= new
            for k in new:
                lo, hi = min(lo, regions[k][0]), max(hi, regions[k][1])
            while i < len(second) and second[i].start < hi:
                group.append(second[i])
                hi = max(hi, second[i].end)
                i += 1
                grew = True
            if not grew:
                break
        merged |= touched
        starts = [regions[k][2].start for k in touched if regions[k][0] == lo]
        ends = [regions[k][2].end for k in touched if regions[k][1] == hi]
        start = starts[0] if starts else to_text(lo)
        end = ends[-1] if ends else to_text(hi)
        replacement = apply_edits(mid[lo:hi], [e.shifted(-lo) for e in group])
        conf = min([e.confidence for e in group] + [regions[k][2].confidence for k in touched])
        out.append(Edit(start, end, text[start:end], replacement, group[-1].source,
                        "+".join(dict.fromkeys(e.rule_id for e in group)), conf))
    out.extend(e for k, (_, _, e) in enumerate(regions) if k not in merged)
    out.sort()
    return out


def spun_words(edits: Sequence[Edit]) -> float:
    """Expected number of spun words: the words inside edits, weighted by confidence (what
    every spin score counts).

    >>> spun_words([Edit(0, 13, "now no longer", "not", "rule", "r", 0.5)])
    1.5
    """
    return sum(e.confidence * max(1, len(e.original.split())) for e in edits)

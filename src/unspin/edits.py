"""Edits: the only thing that ever changes text.

Every change unspin makes, whatever made it, is an :class:`Edit` with character offsets into
the input, both strings, its source, its rule id or model name, and a confidence.
:func:`apply_edits` is the one function that turns edits into output text.

>>> e = Edit(4, 17, "now no longer", "not", "rule", "spinbot.now-no-longer", 0.97)
>>> apply_edits("Did now no longer go.", [e])
'Did not go.'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
        return Edit(self.start + offset, self.end + offset, self.original, self.replacement,
                    self.source, self.rule_id, self.confidence)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["confidence"] = round(self.confidence, 4)
        return d

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

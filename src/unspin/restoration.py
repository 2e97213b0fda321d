"""The result objects: :class:`Restoration` (restore) and :class:`Detection` (detect)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .edits import Edit, apply_edits


@dataclass(frozen=True)
class Restoration:
    """A restored text that explains itself.

    ``edits`` are sorted, non-overlapping, with offsets into ``source_text``;
    ``apply_edits(source_text, edits) == text`` always holds.
    """

    source_text: str
    text: str
    edits: tuple[Edit, ...]
    spin_score: float
    evidence: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_edits(cls, source_text: str, edits: list[Edit], spin_score: float,
                   evidence: float = 0.0, info: dict | None = None) -> "Restoration":
        return cls(source_text, apply_edits(source_text, edits), tuple(edits),
                   spin_score, evidence, info or {})

    def __str__(self) -> str:
        return self.text

    def to_dict(self, path: str | None = None) -> dict:
        """The report as plain data (schema in ``unspin.report``)."""
        from .report import report_dict

        return report_dict(self, path=path)

    def to_json(self, path: str | None = None, indent: int | None = 2) -> str:
        """The machine-readable report: every edit with offsets, plus summary figures."""
        return json.dumps(self.to_dict(path), ensure_ascii=False, indent=indent)

    def to_html(self, title: str = "unspin report") -> str:
        """A self-contained HTML page with every edit highlighted (hover: source, confidence)."""
        from .report import html_page

        return html_page(self, title=title)

    def unified_diff(self, path: str = "input", context: int = 3) -> str:
        """A unified diff from the input to the restored text, by lines."""
        from .report import unified_diff

        return unified_diff(self.source_text, self.edits, path, context)

    def to_m2(self) -> str:
        """The edits in ERRANT's M2 format (one ``S`` block a sentence)."""
        from .report import m2

        return m2(self.source_text, self.edits)

    def _repr_html_(self) -> str:
        from .report import html_fragment

        return html_fragment(self)


@dataclass(frozen=True)
class Span:
    """A flagged phrase: where it is, what it says, what it likely was, how sure we are."""

    start: int
    end: int
    phrase: str
    likely_original: str
    probability: float
    source: str = "rule"


@dataclass(frozen=True)
class Detection:
    """How spun a text looks: ``score`` (estimated share of spun words) and flagged spans."""

    score: float
    spans: tuple[Span, ...]
    n_words: int
    evidence: float = 0.0

    def top(self, n: int = 5) -> list[Span]:
        """The ``n`` most probable flagged spans."""
        return sorted(self.spans, key=lambda s: -s.probability)[:n]

    def to_dict(self) -> dict:
        return {"score": round(self.score, 4), "evidence": round(self.evidence, 4),
                "n_words": self.n_words,
                "spans": [{"start": s.start, "end": s.end, "phrase": s.phrase,
                           "likely_original": s.likely_original,
                           "probability": round(s.probability, 4), "source": s.source}
                          for s in self.spans]}

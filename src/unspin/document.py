"""The document that flows through the pipeline stages, and the stage interface.

Each stage reads a :class:`Document` and proposes :class:`~unspin.edits.Edit` objects; only the
decision stage picks among them and only :func:`~unspin.edits.apply_edits` changes text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from .edits import Edit
from .text import Normalized, Token, count_words, normalize, protected_spans, tokenize, words


@dataclass
class Document:
    """Input text plus everything the stages have learned about it so far.

    ``proposals`` holds the candidate edits of the stages that already ran (rules first);
    ``evidence`` is the probability, from strong spinner signatures, that the text is spun
    at all (0 for clean text); stages use it as a document-level prior. ``tier_evidence``
    holds the same probability from one rule tier's own family hits alone
    (``RuleStage.family_hits``), for the tiers whose ambiguous rules only their own family
    may lift (``evidence.OWN_EVIDENCE_TIERS``).
    """

    text: str
    proposals: list[Edit] = field(default_factory=list)
    evidence: float = 0.0
    tier_evidence: dict[str, float] = field(default_factory=dict)
    # the text's own evidence when the caller asserted more (``Restorer(assume_spun=True)``);
    # ``None``: ``evidence`` is the text's own
    own_evidence: float | None = None

    @cached_property
    def tokens(self) -> list[Token]:
        return tokenize(self.text)

    @cached_property
    def words(self) -> list[Token]:
        return words(self.text)

    @cached_property
    def n_words(self) -> int:
        return count_words(self.text)

    @cached_property
    def normalized(self) -> Normalized:
        return normalize(self.text)

    @cached_property
    def protected(self) -> list[tuple[int, int]]:
        return protected_spans(self.text)


class Stage(Protocol):
    """A source of candidate edits (the rule table, the lexicon, the seq2seq model)."""

    name: str

    def propose(self, doc: Document) -> list[Edit]:
        """Candidate edits for ``doc``; they may overlap each other and earlier proposals."""
        ...

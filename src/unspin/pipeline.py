"""The restore pipeline: text flows through named stages, then one decision, then replay.

    tokenize -> rules -> document evidence -> lexicon -> model -> select -> fix articles -> apply

>>> r = Restorer(use_lexicon=False, use_model=False)
>>> r.restore("It will now no longer rain.").text
'It will not rain.'
"""

from __future__ import annotations

import gc
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from .decide import fix_articles, select
from .document import Document, Stage
from .edits import Edit, apply_edits, compose_edits, spun_words
from .evidence import OWN_EVIDENCE_TIERS, lift_rule, own_tier, spin_evidence
from .restoration import Restoration
from .text import safe_cut
from .rules import RuleTable, bundled_rule_files, default_table, load_rules

DEFAULT_THRESHOLD = 0.5
DEFAULT_CHUNK_CHARS = 100_000
# A capitalised match that does not start a sentence is likely a name ("Home Office").
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”‘'(\[\n]|\n\s*)\s*$")
NAME_PENALTY = 0.5
WEAK_MIN = 0.35  # least confidence of a family's weak phrase (under 5 per million clean words)
MAX_RULE_PASSES = 3


class RuleStage:
    """Proposes an edit for every rule-table match (longest match wins)."""

    name = "rules"

    def __init__(self, table: RuleTable | None = None) -> None:
        self.table = table if table is not None else default_table()

    def propose(self, doc: Document) -> list[Edit]:
        edits = []
        for m in self.table.find(doc.text, doc.normalized):
            conf = m.rule.confidence
            if (not m.rule.signature and m.original[:1].isupper()
                    and not _SENTENCE_START.search(doc.text[max(0, m.start - 4):m.start])):
                conf *= NAME_PENALTY
            edits.append(Edit(m.start, m.end, m.original, m.replacement, "rule", m.rule.id, conf))
        return edits

    def signature_hits(self, edits: Sequence[Edit]) -> int:
        return sum(1 for e in edits if self.table.get_rule(e.rule_id).signature)

    def evidence(self, edits: Sequence[Edit], n_words: int) -> tuple[float, dict[str, float]]:
        """The document evidence of these rule hits (every signature counts), and for each
        tier of ``OWN_EVIDENCE_TIERS`` the evidence of its own family (:meth:`family_hits`)."""
        return (spin_evidence(self.signature_hits(edits), n_words),
                {t: spin_evidence(self.family_hits(edits, t), n_words)
                 for t in OWN_EVIDENCE_TIERS})

    def family_hits(self, edits: Sequence[Edit], tier: str) -> int:
        """Evidence for one family from its rules alone: its signature hits, plus one for
        every two *distinct* weak phrases of it (multi-word, not signatures, confidence at
        least ``WEAK_MIN``: "as indicated by", "call attention to"). Each is natural English
        clean prose has a few times per million words, but several different ones in one
        text are the family's mark; SpinBot output often has no signature phrase at all."""
        sig = 0
        weak = set()
        for e in edits:
            rule = self.table.get_rule(e.rule_id)
            if rule.tier != tier:
                continue
            if rule.signature:
                sig += 1
            elif " " in rule.match.strip() and rule.confidence >= WEAK_MIN:
                weak.add(rule.id)
        return sig + len(weak) // 2


# The evidence ``Restorer(assume_spun=True)`` gives every text: what a few signature phrases
# give a paragraph. The family-specific evidence (SpinBot's own, the seed family's channel in
# the lexicon) still needs that family's phrases: the caller says the text is spun, not by
# which spinner.
ASSUMED_EVIDENCE = 0.99

_GC_LOCK = threading.Lock()
_GC_DEPTH = 0
_GC_WAS_ENABLED = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one chunk is restored.

    A chunk allocates tens of thousands of short-lived containers (slots, candidate lists,
    option rows), each allocation burst triggering collector passes over everything alive:
    collection took 13% of the ``use_model=False`` run time, and pausing it per chunk (at
    most ``chunk_chars`` of text) measured about 9% faster (before the lexicon moved to
    tuples, which cut the rest). The stages make no reference cycles worth collecting
    mid-chunk. The previous state is restored afterwards; nested and concurrent calls share
    one pause.
    """
    global _GC_DEPTH, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_DEPTH == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_DEPTH += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_DEPTH -= 1
            if _GC_DEPTH == 0 and _GC_WAS_ENABLED:
                gc.enable()


def split_chunks(text: str, max_chars: int = DEFAULT_CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into pieces of at most ``max_chars`` (see :func:`~unspin.text.safe_cut`).

    >>> list(split_chunks("ab\\ncd\\nef", 4))
    [(0, 'ab\\n'), (3, 'cd\\n'), (6, 'ef')]
    """
    pos = 0
    n = len(text)
    while n - pos > max_chars:
        cut = safe_cut(text[pos:pos + max_chars + 1], max_chars)
        yield pos, text[pos:pos + cut]
        pos += cut
    if pos < n or n == 0:
        yield pos, text[pos:]


@dataclass
class Restorer:
    """A reusable restorer: loads its rule table, lexicon and model once.

    ``rule_files`` replaces the bundled rule table, ``extra_rule_files`` adds to it.
    ``use_model``: ``None`` uses the shipped model where it is installed, ``True`` requires
    it, ``False`` never uses it. ``mode`` picks the lexicon's scorer (``"fast"`` n-gram or
    ``"accurate"`` neural LM). ``threshold``: the least confidence an edit needs.
    ``assume_spun``: treat the text as spun whatever its own evidence (``ASSUMED_EVIDENCE``):
    for a sentence or paragraph you know comes from a spun article, where no signature phrase
    says so; on clean text it then changes words too (measured in the README), so never for a
    cleaning job over mixed text.
    """

    use_model: bool | None = None
    use_lexicon: bool = True
    mode: str = "fast"
    threshold: float = DEFAULT_THRESHOLD
    rules: RuleTable | None = None
    rule_files: tuple[str, ...] = ()
    extra_rule_files: tuple[str, ...] = ()
    chunk_chars: int = DEFAULT_CHUNK_CHARS
    assume_spun: bool = False
    _stages: list[Stage] | None = field(default=None, init=False, repr=False)
    _rule_stage: RuleStage | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("fast", "accurate"):
            raise ValueError(f"mode must be 'fast' or 'accurate', not {self.mode!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], not {self.threshold}")

    @property
    def rule_stage(self) -> RuleStage:
        if self._rule_stage is None:
            table = self.rules
            if table is None and (self.rule_files or self.extra_rule_files):
                files = list(self.rule_files) or bundled_rule_files()
                table = load_rules([*self.extra_rule_files, *files])
            self._rule_stage = RuleStage(table)
        return self._rule_stage

    @property
    def stages(self) -> list[Stage]:
        """The stages after the rule table, built on first use."""
        if self._stages is None:
            from .stages import later_stages

            self._stages = later_stages(use_lexicon=self.use_lexicon, use_model=self.use_model,
                                        mode=self.mode, threshold=self.threshold)
        return self._stages

    def propose(self, text: str) -> Document:
        """Run every stage on ``text`` and return the document with all proposals."""
        doc = Document(text)
        rule_edits = self.rule_stage.propose(doc)
        doc.evidence, doc.tier_evidence = self.rule_stage.evidence(rule_edits, doc.n_words)
        if self.assume_spun:
            doc.own_evidence = doc.evidence
            doc.evidence = max(doc.evidence, ASSUMED_EVIDENCE)
        doc.proposals = self._live([_lifted(e, doc) for e in rule_edits])
        for stage in self.stages:
            doc.proposals.extend(stage.propose(doc))
        return doc

    def _live(self, edits: list[Edit]) -> list[Edit]:
        """Drop the proposals of ``OWN_EVIDENCE_TIERS`` rules that stay below the threshold:
        outside their family's text they are inert, and must not hide a span from the later
        stages ("gross domestic item": the SpinBot word rule "item" -> "product" at 0.15 kept
        the term stage from the whole phrase) nor count as rule hits there."""
        return [e for e in edits if e.confidence >= self.threshold or own_tier(e.rule_id) is None]

    def _restore_piece(self, text: str) -> tuple[list[Edit], float, int]:
        with gc_paused():
            return self._restore_piece_now(text)

    def _restore_piece_now(self, text: str) -> tuple[list[Edit], float, int]:
        doc = self.propose(text)
        edits = fix_articles(text, select(doc.proposals, self.threshold, doc.protected))
        # A restored phrase can be the context another rule waits for ("an excessive
        # climate change"): rerun the (cheap) rule table until nothing changes, so that
        # restoring the output again changes nothing.
        for _ in range(MAX_RULE_PASSES - 1):
            if not edits:
                break
            current = apply_edits(text, edits)
            again = Document(current)
            more = self.rule_stage.propose(again)
            if not more:
                break
            more = self._live([_lifted(e, doc) for e in more])
            more = fix_articles(current, select(more, self.threshold, again.protected))
            if not more:
                break
            edits = compose_edits(text, edits, more)
        return edits, doc.evidence, doc.n_words

    def restore(self, text: str) -> Restoration:
        """Restore ``text``; see :class:`~unspin.restoration.Restoration`."""
        if not isinstance(text, str):
            raise TypeError(f"restore() takes str, not {type(text).__name__}")
        edits: list[Edit] = []
        n_words = 0
        evidence = 0.0
        for offset, piece in split_chunks(text, self.chunk_chars):
            piece_edits, ev, nw = self._restore_piece(piece)
            edits.extend(e.shifted(offset) for e in piece_edits)
            evidence = max(evidence, ev)
            n_words += nw
        return Restoration.from_edits(text, edits, spin_score(edits, n_words), evidence,
                                      {"words": n_words, "threshold": self.threshold,
                                       "mode": self.mode})


def _lifted(e: Edit, doc: Document) -> Edit:
    """``e`` with its confidence lifted by the document's evidence: a rule of a tier in
    ``OWN_EVIDENCE_TIERS`` by its own family's signatures only, any other by all of them."""
    conf = lift_rule(e.rule_id, e.confidence, doc.evidence, doc.tier_evidence)
    if conf == e.confidence:
        return e
    return Edit(e.start, e.end, e.original, e.replacement, e.source, e.rule_id, conf)


def spin_score(edits: Sequence[Edit], n_words: int) -> float:
    """Estimated share of spun words (:func:`spun_words` over the word count)."""
    if n_words == 0:
        return 0.0
    return min(1.0, spun_words(edits) / n_words)

"""The decision stage: pick, among all proposed edits, the ones worth making.

An edit is kept when its confidence reaches the threshold, it changes something, it touches no
protected span, and no more confident edit overlaps it. Kept edits that break a/an agreement
are widened to fix the article ("an excessive rate" -> "a high rate").
"""

from __future__ import annotations

import re
from typing import Sequence

from .casing import article_for, transfer_case
from .edits import Edit
from .text import SpanSet, overlaps

_ARTICLE_BEFORE = re.compile(r"(?<![\w'’-])(an?|An?|AN?)([ \t]+)$")
_FIRST_WORD = re.compile(r"[\"'“‘(]*[^\W_][\w'’-]*")


def select(proposals: Sequence[Edit], threshold: float,
           protected: Sequence[tuple[int, int]] = ()) -> list[Edit]:
    """Non-overlapping edits at or above ``threshold``: most confident first, then longest.

    >>> a = Edit(0, 3, "foo", "bar", confidence=0.9)
    >>> b = Edit(2, 5, "o b", "x", confidence=0.95)
    >>> [e.replacement for e in select([a, b], 0.5)]
    ['x']
    """
    protected = sorted(protected)
    ranked = sorted(
        (e for e in proposals
         if e.confidence >= threshold and e.replacement != e.original
         and not overlaps(e.start, e.end, protected)),
        key=lambda e: (-e.confidence, -(e.end - e.start), e.start),
    )
    kept: list[Edit] = []
    occupied = SpanSet()
    for e in ranked:
        # Zero-width edits (insertions) still claim their position.
        if occupied.overlaps(e.start, max(e.end, e.start + 1)):
            continue
        kept.append(e)
        occupied.add(e.start, max(e.end, e.start + 1))
    kept.sort()
    return kept


def fix_articles(text: str, edits: Sequence[Edit]) -> list[Edit]:
    """Widen edits whose replacement needs the other indefinite article.

    >>> t = "It was an excessive rate."
    >>> e = Edit(10, 19, "excessive", "high", "rule", "r", 0.9)
    >>> [x.replacement for x in fix_articles(t, [e])]
    ['a high']
    """
    out: list[Edit] = []
    prev_end = 0
    for e in edits:
        m = _ARTICLE_BEFORE.search(text, max(prev_end, e.start - 8), e.start)
        first_old = _FIRST_WORD.match(e.original)
        first_new = _FIRST_WORD.match(e.replacement)
        if m and first_new and m.start() >= prev_end:
            present = m.group(1)
            wanted = article_for(first_new.group())
            if present.lower() != wanted and (
                    not first_old or article_for(first_old.group()) == present.lower()):
                new_article = transfer_case(present, wanted)
                if present.isupper() and len(present) == 1:
                    new_article = wanted.upper() if e.replacement.isupper() else wanted.capitalize()
                e = Edit(m.start(), e.end, text[m.start():e.end],
                         new_article + m.group(2) + e.replacement,
                         e.source, e.rule_id, e.confidence)
        out.append(e)
        prev_end = e.end
    return out

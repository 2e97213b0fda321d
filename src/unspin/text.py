"""Tokens with character offsets, offset-preserving folding, and protected spans.

Nothing here changes text: it only describes where words are.

>>> [t.text for t in tokenize("It’s far 2nd-rate, e.g. https://x.io")][:4]
['It’s', 'far', '2nd-rate', ',']
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

# A word: letters/digits joined by inner apostrophes or hyphens ("it's", "on-the-spot").
_WORD = r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*"
_TOKEN_RE = re.compile(rf"{_WORD}|[^\w\s]|_+", re.UNICODE)
_WORD_RE = re.compile(_WORD, re.UNICODE)

# Spans nobody may edit: URLs, e-mail addresses, code-ish and markup-ish material. Each
# pattern runs only when its cheap literal cue occurs in the text.
_PROTECT = [
    (("://", "www."), re.compile(r"(?i)(?:https?://|ftp://|www\.)\S+")),
    (("@",), re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")),
    (("`",), re.compile(r"`[^`\n]*`")),
    (("<",), re.compile(r"<[^<>\n]{0,500}>")),
    (("&",), re.compile(r"(?i)&(?:[a-z]+|#\d+|#x[0-9a-f]+);")),
    (("(",), re.compile(r"\b\w+(?:\.\w+)+\(\)?")),
    (("_",), re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b")),
]


def spelling_variant(a: str, b: str) -> bool:
    """Whether two lower-case words are spelling or inflection variants of each other
    (Levenshtein distance <= 2 with the same first three letters): never a spinner's
    substitution, so never an edit.

    >>> spelling_variant("neighboring", "neighbouring"), spelling_variant("defenses", "defence")
    (True, True)
    >>> spelling_variant("crimes", "offenses")
    False
    """
    if abs(len(a) - len(b)) > 2 or a[:3] != b[:3]:
        return False
    # Levenshtein distance <= 2, early exit
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        if min(cur) > 2:
            return False
        prev = cur
    return prev[-1] <= 2


@dataclass(frozen=True)
class Token:
    """A token and its character span in the original text."""

    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        return bool(_WORD_RE.fullmatch(self.text))


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word and punctuation tokens with exact offsets."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]


def words(text: str) -> list[Token]:
    """Only the word tokens of ``text``."""
    return [Token(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


def fold_char(c: str) -> str:
    """Lower-case one character without changing the length of the string."""
    if c in "’‘ʼ`":
        return "'"
    if c in "‐‑":  # Unicode hyphens match an ASCII hyphen
        return "-"
    low = c.lower()
    return low if len(low) == 1 else c


def fold(text: str) -> str:
    """Case-fold ``text`` keeping every character at its offset.

    >>> fold("İt’S")
    "İt's"
    """
    if text.isascii():
        return text.lower()
    return "".join(fold_char(c) for c in text)


@dataclass(frozen=True)
class Normalized:
    """Folded text with every whitespace run collapsed to one space, and a map back.

    ``_breaks[k]`` is a position in ``text`` from which on the original offset is
    ``_shifts[k]`` larger; so mapping an index back is one binary search.
    """

    text: str
    _breaks: tuple[int, ...]
    _shifts: tuple[int, ...]
    source_length: int

    def offset(self, i: int) -> int:
        """Original-text index of normalized index ``i`` (``len(text)`` maps to the end)."""
        if i >= len(self.text):
            return self.source_length
        k = bisect_right(self._breaks, i)
        return i + (self._shifts[k - 1] if k else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of normalized ``[start, end)``."""
        return self.offset(start), self.offset(end - 1) + 1


_WS_RE = re.compile(r"\s+")
_WS_RUN_RE = re.compile(r"\s{2,}")


def normalize(text: str) -> Normalized:
    """Fold ``text`` and collapse whitespace runs, remembering where each character came from.

    >>> n = normalize("A  Now\\r\\nno")
    >>> n.text, n.span(2, 8), n.offset(6)
    ('a now no', (3, 10), 8)
    """
    folded = fold(text)
    breaks: list[int] = []
    shifts: list[int] = []
    removed = 0
    for m in _WS_RUN_RE.finditer(folded):
        removed += m.end() - m.start() - 1
        breaks.append(m.start() + 1 - (removed - (m.end() - m.start() - 1)))
        shifts.append(removed)
    return Normalized(_WS_RE.sub(" ", folded), tuple(breaks), tuple(shifts), len(text))


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans (URLs, e-mails, code, markup) that no edit may touch, sorted."""
    spans = [(m.start(), m.end()) for cues, rx in _PROTECT if any(c in text for c in cues)
             for m in rx.finditer(text)]
    spans.sort()
    return spans


_SENTENCE_CUT = re.compile(r"[.!?;][\"'”’)\]]*\s+")


def safe_cut(text: str, limit: int) -> int:
    """Where to cut ``text`` into a first piece of at most ``limit`` characters.

    Prefers a line end, then a sentence end, then white space, so that no phrase a rule or a
    model could match is cut in two; a piece with none of these is cut at ``limit``.

    >>> t = "One two. Three four five"
    >>> safe_cut(t, 20), safe_cut(t, 7), safe_cut("abcdef", 4)
    (9, 4, 4)
    """
    if len(text) <= limit:
        return len(text)
    nl = text.rfind("\n", 0, limit)
    if nl >= 0:
        return nl + 1
    window = text[:limit]
    last = None
    for last in _SENTENCE_CUT.finditer(window):
        pass
    if last is not None and last.end() < limit:
        return last.end()
    ws = max(window.rfind(" "), window.rfind("\t"))
    return ws + 1 if ws > 0 else limit


def count_words(text: str) -> int:
    """How many word tokens ``text`` has (without building tokens)."""
    return len(_WORD_RE.findall(text))


class SpanSet:
    """Non-overlapping spans with a fast overlap test (for greedy selection).

    >>> s = SpanSet(); s.add(3, 6); s.overlaps(5, 9), s.overlaps(6, 9), s.overlaps(0, 3)
    (True, False, False)
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        import bisect

        i = bisect.bisect_left(self._starts, end)  # spans starting before ``end``
        return i > 0 and self._ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        import bisect

        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``[start, end)`` overlaps any of the sorted ``spans``."""
    import bisect

    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    for s, e in spans[max(i, 0):]:
        if s >= end:
            return False
        if e > start and s < end:
            return True
    return False


def free_test(text: str, blocked: Iterable[tuple[int, int]]):
    """A function ``free(start, end)``: whether ``[start, end)`` overlaps none of the
    ``blocked`` spans of ``text`` (an empty span at p blocks anything strictly around p).
    Prefix counts make each test O(1).

    >>> free = free_test("one two three", [(4, 7)])
    >>> free(0, 3), free(4, 7), free(2, 5), free(8, 13)
    (True, False, False, True)
    """
    import numpy as np

    n = len(text)
    cover = np.zeros(n + 1, dtype=np.int32)
    points = np.zeros(n + 1, dtype=np.int32)
    for a, b in blocked:
        if b > a:
            cover[a] += 1
            cover[b] -= 1
        else:
            points[a] = 1
    inside = np.cumsum(cover[:-1]) > 0
    cum = np.concatenate([[0], np.cumsum(inside)]).tolist()
    pcum = np.concatenate([[0], np.cumsum(points)]).tolist()

    def free(s: int, e: int) -> bool:
        return cum[e] == cum[s] and pcum[e] == pcum[s + 1]

    return free

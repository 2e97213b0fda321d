"""Tokens with character offsets, offset-preserving folding, and protected spans.

Nothing here changes text: it only describes where words are.

>>> [t.text for t in tokenize("It’s far 2nd-rate, e.g. https://x.io")][:4]
['It’s', 'far', '2nd-rate', ',']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word: letters/digits joined by inner apostrophes or hyphens ("it's", "on-the-spot").
_WORD = r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*"
_TOKEN_RE = re.compile(rf"{_WORD}|[^\w\s]|_+", re.UNICODE)
_WORD_RE = re.compile(_WORD, re.UNICODE)

# Spans nobody may edit: URLs, e-mail addresses, code-ish and markup-ish material.
_PROTECT_RE = re.compile(
    r"""(?xi)
      (?:https?://|ftp://|www\.)\S+            # URLs
    | [\w.+-]+@[\w-]+\.[\w.-]+                  # e-mail addresses
    | `[^`\n]*`                                 # inline code
    | <[^<>\n]{0,500}>                          # markup tags
    | &[a-z]+;|&\#\d+;                          # entities
    | \b\w+(?:\.\w+)+\(\)?                      # dotted identifiers / calls
    | \b[a-z]+_[a-z0-9_]+\b                     # snake_case identifiers
    """
)


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
    if c in "‐‑–":
        return "-" if c != "–" else c
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

    ``offsets[i]`` is the index in the original text of character ``i`` of ``text``;
    ``offsets[len(text)]`` is the end of the original.
    """

    text: str
    offsets: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of normalized ``[start, end)``."""
        return self.offsets[start], self.offsets[end - 1] + 1


_WS_RE = re.compile(r"\s+")


def normalize(text: str) -> Normalized:
    """Fold ``text`` and collapse whitespace runs, remembering where each character came from."""
    folded = fold(text)
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _WS_RE.finditer(folded):
        out.append(folded[pos:m.start()])
        offsets.extend(range(pos, m.start()))
        out.append(" ")
        offsets.append(m.start())
        pos = m.end()
    out.append(folded[pos:])
    offsets.extend(range(pos, len(folded)))
    offsets.append(len(text))
    return Normalized("".join(out), offsets)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans (URLs, e-mails, code, markup) that no edit may touch, sorted."""
    return [(m.start(), m.end()) for m in _PROTECT_RE.finditer(text)]


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

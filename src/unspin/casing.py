"""Carry the case of replaced text over to its replacement, and keep a/an agreement.

>>> transfer_case("Weather extrude", "climate change")
'Climate change'
>>> transfer_case("WEATHER EXTRUDE", "climate change")
'CLIMATE CHANGE'
>>> transfer_case("Weather Extrude", "climate change")
'Climate Change'
>>> article_for("hour"), article_for("university"), article_for("FBI")
('an', 'a', 'an')
"""

from __future__ import annotations


def _upper_first(s: str) -> str:
    for i, c in enumerate(s):
        if c.isalpha():
            return s[:i] + c.upper() + s[i + 1:]
    return s


def transfer_case(source: str, replacement: str) -> str:
    """Give ``replacement`` the casing pattern of ``source`` (lower, Capital, Title or UPPER)."""
    letters = [c for c in source if c.isalpha()]
    if not letters:
        return replacement
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    src_words = [w for w in source.split() if any(c.isalpha() for c in w)]
    if len(src_words) > 1 and all(next(c for c in w if c.isalpha()).isupper() for w in src_words):
        return " ".join(_upper_first(w) for w in replacement.split(" "))
    if letters[0].isupper():
        return _upper_first(replacement)
    return replacement


# Words spelled with a vowel but said with a consonant, and the reverse.
_CONSONANT_SOUND = ("uni", "use", "usa", "usu", "uti", "ute", "eu", "ewe", "one", "once",
                    "ubiq", "ura", "uro", "ukr", "ufo")
_VOWEL_SOUND = ("hour", "honest", "honor", "honour", "heir")
_VOWEL_LETTER_NAMES = set("AEFHILMNORSX")


def article_for(word: str) -> str:
    """``"a"`` or ``"an"`` for the word that follows the article."""
    w = word.lstrip("\"'“‘(")
    if not w:
        return "a"
    if w[0].isdigit():
        return "an" if w[0] == "8" or w.startswith(("11", "18")) else "a"
    if len(w) > 1 and w.isupper() and w.isalpha() and len(w) <= 5:
        return "an" if w[0] in _VOWEL_LETTER_NAMES else "a"
    low = w.lower()
    if low.startswith(_VOWEL_SOUND):
        return "an"
    if low.startswith(_CONSONANT_SOUND):
        return "a"
    return "an" if low[0] in "aeiou" else "a"

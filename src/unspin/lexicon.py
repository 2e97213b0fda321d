"""The inverse thesaurus: spun word or phrase -> candidate originals, with priors and provenance.

Built by ``data/build_lexicon.py`` from WordNet 3.0, the LibreOffice/MyThes thesaurus, Moby
Thesaurus II and word-aligned Problematic-Paper-Screener pairs, shipped as
``resources/lexicon/lexicon.json.gz`` and loaded lazily on first use.

Entries are stored per lemma; :meth:`Lexicon.candidates` analyses an inflected spun form
("paintings", "demanding situations"), looks its lemma up and re-inflects each original the
same way ("works", "challenges"). The prior of a candidate is the channel probability
P(spun | original): how likely a spinner that meets ``original`` writes ``spun``.

>>> lex = Lexicon()
>>> [o for o, p, src in lex.candidates("regions")][:1]
['areas']
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Callable, Iterable

from .packaged import read_json_gz

_DEFAULT = ("lexicon", "lexicon.json.gz")

# (suffix, replacement, inflection) -- WordNet's morphy rules plus the inflection they undo.
_NOUN_RULES = [("ses", "s", "pl"), ("xes", "x", "pl"), ("zes", "z", "pl"), ("ches", "ch", "pl"),
               ("shes", "sh", "pl"), ("men", "man", "pl"), ("ies", "y", "pl"), ("s", "", "pl")]
_VERB_RULES = [("ies", "y", "3sg"), ("es", "e", "3sg"), ("es", "", "3sg"), ("s", "", "3sg"),
               ("ied", "y", "ed"), ("ed", "e", "ed"), ("ed", "", "ed"),
               ("ying", "ie", "ing"), ("ing", "e", "ing"), ("ing", "", "ing")]
_ADJ_RULES = [("er", "", "er"), ("est", "", "est"), ("er", "e", "er"), ("est", "e", "est"),
              ("ier", "y", "er"), ("iest", "y", "est")]
_RULES = {"n": _NOUN_RULES, "v": _VERB_RULES, "a": _ADJ_RULES}
_VOWELS = set("aeiou")
BASE_FORM_WEIGHT = 0.3  # prior factor for an uninflected original of an inflected spun form


class LexiconUnavailable(RuntimeError):
    """The shipped lexicon file is missing."""


def _regular(lemma: str, pos: str, infl: str) -> list[str]:
    """Regular inflections of one word (several spellings when unsure)."""
    w = lemma
    if infl == "base":
        return [w]
    if infl in ("pl", "3sg"):
        if w.endswith(("s", "x", "z", "ch", "sh")):
            return [w + "es"]
        if w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
            return [w[:-1] + "ies"]
        if infl == "pl" and w.endswith("man"):
            return [w[:-3] + "men", w + "s"]
        return [w + "s"]
    if infl in ("ed", "ing", "er", "est"):
        suf = {"ed": "ed", "ing": "ing", "er": "er", "est": "est"}[infl]
        out = []
        if w.endswith("e") and infl != "ing":
            out.append(w + suf[1:])
        elif w.endswith("ie") and infl == "ing":
            out.append(w[:-2] + "ying")
        elif w.endswith("e") and infl == "ing" and not w.endswith(("ee", "ye", "oe")):
            out.append(w[:-1] + "ing")
        elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS and infl != "ing":
            out.append(w[:-1] + "i" + suf)
        else:
            out.append(w + suf)
            if (len(w) >= 3 and w[-1] not in _VOWELS and w[-1] not in "wxy"
                    and w[-2] in _VOWELS and w[-3] not in _VOWELS):
                out.append(w + w[-1] + suf)  # stop -> stopped
        return out
    raise ValueError(f"unknown inflection {infl!r}")


class Lexicon:
    """Lazily loaded inverse thesaurus.

    ``known`` (optional) is a predicate telling whether a surface word exists (the n-gram
    vocabulary); re-inflected candidates that fail it are dropped, so "maked" never appears.
    """

    def __init__(self, path: str | None = None, known: Callable[[str], bool] | None = None):
        self.path = path
        self.known = known
        self._data = None
        self._lock = threading.Lock()
        self._family: "Lexicon | None" = None

    def _load(self) -> dict:
        with self._lock:
            if self._data is None:
                data = read_json_gz(self.path, _DEFAULT, LexiconUnavailable(
                    "the lexicon is missing: build it with "
                    "`.venv/bin/python data/build_lexicon.py`"))
                # exceptions: inflected -> [[lemma, pos]], and lemma|pos -> [forms]
                exc_fwd: dict[str, list[tuple[str, str]]] = {}
                exc_rev: dict[tuple[str, str], list[str]] = {}
                for pos, table in data["exceptions"].items():
                    for form, lemmas in table.items():
                        for lem in lemmas:
                            exc_fwd.setdefault(form, []).append((lem, pos))
                            exc_rev.setdefault((lem, pos), []).append(form)
                data["_exc_fwd"] = {k: tuple(v) for k, v in exc_fwd.items()}
                data["_exc_rev"] = {k: tuple(v) for k, v in exc_rev.items()}
                # tuples of strings and numbers, unlike lists, drop out of the cyclic garbage
                # collector's sight: 345k lists made every full collection walk the whole
                # lexicon (0.22 s a pass; 0.05 s with tuples)
                data["entries"] = {k: tuple(tuple(e) for e in v)
                                   for k, v in data["entries"].items()}
                data["exceptions"] = {pos: {f: tuple(tuple(x) if isinstance(x, list) else x
                                                     for x in v) for f, v in table.items()}
                                      for pos, table in data["exceptions"].items()}
                self._data = data
        return self._data

    @property
    def data(self) -> dict:
        return self._data if self._data is not None else self._load()

    def with_family(self) -> "Lexicon":
        """This lexicon with the seed spinner family's own channel mixed in: the build's
        ``seed_entries`` (spun forms whose originals change when the family's hand-written
        substitutions, ``unspin.spinner.SEED_IDIOMS``, are counted) replace theirs.

        For text where that family is evident only: its priors make common words such as
        "conferences" or "assistance" look spun, which in other text only adds damage.

        >>> lex = default_lexicon()
        >>> "meetings" in [o for o, _, _ in lex.with_family().candidates("conferences")]
        True
        """
        if self._family is None:
            data = self.data
            extra = data.get("seed_entries") or {}
            if not extra:
                self._family = self
            else:
                fam = Lexicon(self.path, self.known)
                fam._data = {k: v for k, v in data.items()
                             if k not in ("_pair_index", "seed_entries")}
                fam._data["entries"] = {**data["entries"],
                                        **{k: tuple(tuple(e) for e in v)
                                           for k, v in extra.items()}}
                fam._family = fam
                self._family = fam
        return self._family

    @property
    def meta(self) -> dict:
        return self.data["meta"]

    @property
    def terms(self) -> frozenset:
        """Known two-word terms ("magnetic field"), folded."""
        data = self.data
        if "_terms" not in data:
            data["_terms"] = frozenset(data.get("terms", ()))
        return data["_terms"]

    def may_have_phrase(self, first: str, last: str) -> bool:
        """Cheap test before a two-word lookup. A two-word entry matches with its first word
        unchanged (nouns inflect the last word) or its last word unchanged (verbs inflect the
        first); a suffix rule keeps at least two letters of the word it changes."""
        data = self.data
        if "_pair_index" not in data:
            by_first: dict[str, set] = {}
            by_last: dict[str, set] = {}
            for k in data["entries"]:
                parts = k.split(" ")
                if len(parts) == 2:
                    by_first.setdefault(parts[0], set()).add(parts[1][:2])
                    by_last.setdefault(parts[1], set()).add(parts[0][:2])
            data["_pair_index"] = (by_first, by_last)
        by_first, by_last = data["_pair_index"]
        f = by_first.get(first)
        if f is not None and last[:2] in f:
            return True
        b = by_last.get(last)
        return b is not None and first[:2] in b

    def __contains__(self, lemma: str) -> bool:
        return lemma in self.data["entries"]

    def spun_keys(self) -> Iterable[str]:
        return self.data["entries"].keys()

    # morphology -------------------------------------------------------------------------
    def analyses(self, word: str) -> list[tuple[str, str, str]]:
        """``(lemma, pos, inflection)`` readings of a single folded word that the lexicon knows."""
        entries = self.data["entries"]
        out: list[tuple[str, str, str]] = []
        if word in entries:
            for pos in {e[3] for e in entries[word]}:
                out.append((word, pos, "base"))
        for lem, pos in self.data["_exc_fwd"].get(word, []):
            if lem in entries:
                infl = {"n": "pl", "a": "er"}.get(pos) or ("ing" if word.endswith("ing") else
                                                          "3sg" if word.endswith("s") else "ed")
                out.append((lem, pos, infl))
        for pos, rules in _RULES.items():
            for suf, rep, infl in rules:
                if word.endswith(suf) and len(word) > len(suf) + 1:
                    lem = word[: len(word) - len(suf)] + rep
                    if lem in entries and any(e[3] in (pos, "*") for e in entries[lem]):
                        out.append((lem, pos, infl))
                    # doubled consonant: stopped -> stop
                    if infl in ("ed", "ing") and rep == "" and len(lem) >= 3 and lem[-1] == lem[-2]:
                        lem2 = lem[:-1]
                        if lem2 in entries:
                            out.append((lem2, pos, infl))
        seen, uniq = set(), []
        for a in out:
            if a not in seen:
                seen.add(a)
                uniq.append(a)
        return uniq

    def inflect(self, lemma: str, pos: str, infl: str) -> list[str]:
        """Surface forms of ``lemma`` (one word or a phrase) with inflection ``infl``."""
        if infl == "base":
            return [lemma]
        parts = lemma.split(" ")
        if pos == "v":
            idx = 0
        elif "of" in parts[1:]:
            idx = parts.index("of") - 1  # "rule of thumb" -> "rules of thumb"
        else:
            idx = len(parts) - 1
        head = parts[idx]
        exc = self.data["_exc_rev"].get((head, pos), [])
        if infl == "pl":
            forms = list(exc)
        elif infl == "ed":
            forms = [f for f in exc if not f.endswith(("ing", "s"))]
        elif infl in ("er", "est"):
            forms = [f for f in exc if f.endswith(infl)]
        else:
            forms = []
        if not forms:
            forms = _regular(head, pos, infl)
        known = [f for f in forms if self.known is None or self.known(f)]
        if not known:
            if self.known is not None and len(parts) == 1:
                return []
            known = forms[:1]
        return [" ".join(parts[:idx] + [f] + parts[idx + 1:]) for f in dict.fromkeys(known)]

    @lru_cache(maxsize=200_000)
    def _inflected(self, lemma: str, pos: str, infl: str) -> tuple[str, ...]:
        # originals recur across many spun words: inflect each (lemma, pos, form) once
        return tuple(self.inflect(lemma, pos, infl))

    # lookup -----------------------------------------------------------------------------
    def candidates(self, spun: str, limit: int = 12) -> list[tuple[str, float, str]]:
        """Candidate originals of a spun word or phrase: ``[(original, prior, provenance)]``.

        ``spun`` is matched case-insensitively; originals come back lower-case and inflected
        like ``spun``; ``prior`` is P(spun | original), best first.
        """
        spun = spun.lower().replace("’", "'")
        if spun.count(" ") == 1:
            first, last = spun.split(" ")
            if not self.may_have_phrase(first, last):
                return []
        return list(self._candidates(spun, limit))

    @lru_cache(maxsize=65536)
    def _candidates(self, spun: str, limit: int) -> tuple[tuple[str, float, str], ...]:
        entries = self.data["entries"]
        best: dict[str, tuple[float, str]] = {}
        parts = spun.split(" ")
        readings: list[tuple[str, str, str]] = []
        if len(parts) == 1:
            readings = self.analyses(spun)
        else:
            if spun in entries:
                readings += [(spun, pos, "base") for pos in {e[3] for e in entries[spun]}]
            for suf, rep, infl in _NOUN_RULES:
                last = parts[-1]
                if last.endswith(suf) and len(last) > len(suf) + 1:
                    key = " ".join(parts[:-1] + [last[: len(last) - len(suf)] + rep])
                    if key in entries:
                        readings.append((key, "n", infl))
            for suf, rep, infl in _VERB_RULES:
                first = parts[0]
                if first.endswith(suf) and len(first) > len(suf) + 1:
                    key = " ".join([first[: len(first) - len(suf)] + rep] + parts[1:])
                    if key in entries:
                        readings.append((key, "v", infl))
        for lem, pos, infl in readings:
            for orig, prior, prov, epos in entries.get(lem, []):
                if epos not in (pos, "*"):
                    continue
                if epos == "*" and infl != "base" and " " in orig:
                    continue  # untyped multi-word original: cannot inflect it safely
                forms = [(f, prior) for f in self._inflected(orig, pos, infl)]
                if infl != "base" and " " not in orig:
                    # spinners ignore part of speech ("can't work" -> "can't paintings"):
                    # the uninflected original is a weaker candidate
                    forms.append((orig, prior * BASE_FORM_WEIGHT))
                for form, p in forms:
                    if form == spun:
                        continue
                    if form not in best or best[form][0] < p:
                        best[form] = (p, prov)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]
        return tuple((o, p, prov) for o, (p, prov) in ranked)


@lru_cache(maxsize=None)
def default_lexicon() -> Lexicon:
    """The shared lexicon over the shipped file, or over ``$UNSPIN_LEXICON`` when set
    (e.g. a dev build that leaves held-out PPS pairs out); loaded on first lookup."""
    import os

    return Lexicon(os.environ.get("UNSPIN_LEXICON") or None)


def candidates(spun: str, limit: int = 12) -> list[tuple[str, float, str]]:
    """Module-level shortcut for :meth:`Lexicon.candidates` on the shipped lexicon."""
    return default_lexicon().candidates(spun, limit)

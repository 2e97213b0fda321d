"""The rule table: spun phrase -> original, as data, matched with one automaton.

Rules live in JSON Lines files under ``unspin/resources/rules/`` (one rule a line; blank lines
and lines starting with ``#`` are skipped). Each rule has::

    {"id": "seed.now-no-longer", "match": "now no longer", "replacement": "not",
     "confidence": 0.97, "tier": "seed", "source": "where it came from",
     "status": "active", "signature": true,
     "before": null, "after": null, "not_before": null, "not_after": null,
     "examples": [{"spun": "It will now no longer work.", "orig": "It will not work."}],
     "keep": ["A sentence with the match where this rule must not fire."]}

``match`` is whole words, case-insensitive; typographic apostrophes match ``'`` and any run
of white space matches one space. ``before``/``after`` are regular expressions that must
match the folded text just before (anchored at its end) / just after (anchored at its start)
the match; ``not_before``/``not_after`` are antipatterns. ``signature`` marks phrases that
almost never occur in clean prose: they are the evidence that a document is spun at all.

>>> table = RuleTable([Rule("t.1", "weather extrude", "climate change", 0.9)])
>>> [(m.start, m.end, m.replacement) for m in table.find("Weather extrude is real.")]
[(0, 15, 'Climate change')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from .casing import transfer_case
from .text import Normalized, SpanSet, normalize

STATUSES = ("active", "experimental", "disabled")
_CONTEXT_WINDOW = 80
_FIELDS = {"id", "match", "replacement", "confidence", "tier", "source", "status", "signature",
           "before", "after", "not_before", "not_after", "examples", "keep", "note"}


class RuleTableError(ValueError):
    """A malformed rule file; the message names the file and line."""


def normalize_phrase(phrase: str) -> str:
    """The form a match phrase is stored and searched in (folded, single-spaced)."""
    return normalize(phrase.strip()).text


@dataclass(frozen=True)
class Rule:
    """One spun phrase and the original it restores to."""

    id: str
    match: str
    replacement: str
    confidence: float
    tier: str = "seed"
    source: str = ""
    status: str = "active"
    signature: bool = False
    before: str | None = None
    after: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    examples: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    note: str = ""

    @cached_property
    def key(self) -> str:
        return normalize_phrase(self.match)

    @cached_property
    def _patterns(self) -> tuple:
        def comp(p: str | None, end: bool) -> re.Pattern | None:
            if not p:
                return None
            return re.compile(f"(?:{p})$" if end else f"(?:{p})")
        return (comp(self.before, True), comp(self.after, False),
                comp(self.not_before, True), comp(self.not_after, False))

    def context_ok(self, left: str, right: str) -> bool:
        """Whether the folded ``left``/``right`` context allows this rule to fire."""
        before, after, not_before, not_after = self._patterns
        if before is not None and not before.search(left):
            return False
        if after is not None and not after.match(right):
            return False
        if not_before is not None and not_before.search(left):
            return False
        if not_after is not None and not_after.match(right):
            return False
        return True

    @classmethod
    def from_json(cls, obj: dict, where: str = "") -> "Rule":
        """Build a rule from one parsed JSON line; ``where`` names it in errors."""
        if not isinstance(obj, dict):
            raise RuleTableError(f"{where}: a rule must be a JSON object")
        unknown = set(obj) - _FIELDS
        if unknown:
            raise RuleTableError(f"{where}: unknown field(s) {sorted(unknown)}")
        for req in ("id", "match", "replacement", "confidence"):
            if req not in obj:
                raise RuleTableError(f"{where}: missing field {req!r}")
        if not isinstance(obj["match"], str) or not obj["match"].strip():
            raise RuleTableError(f"{where}: 'match' must be a non-empty string")
        if not isinstance(obj["replacement"], str) or not obj["replacement"].strip():
            raise RuleTableError(f"{where}: 'replacement' must be a non-empty string")
        conf = obj["confidence"]
        if not isinstance(conf, (int, float)) or not 0 <= conf <= 1:
            raise RuleTableError(f"{where}: 'confidence' must be a number in [0, 1]")
        status = obj.get("status", "active")
        if status not in STATUSES:
            raise RuleTableError(f"{where}: 'status' must be one of {STATUSES}")
        try:
            examples = tuple((ex["spun"], ex["orig"]) for ex in obj.get("examples", []))
        except (KeyError, TypeError):
            raise RuleTableError(f"{where}: each example needs 'spun' and 'orig'") from None
        rule = cls(
            id=str(obj["id"]), match=obj["match"], replacement=obj["replacement"],
            confidence=float(conf), tier=obj.get("tier", "seed"), source=obj.get("source", ""),
            status=status, signature=bool(obj.get("signature", False)),
            before=obj.get("before"), after=obj.get("after"),
            not_before=obj.get("not_before"), not_after=obj.get("not_after"),
            examples=examples, keep=tuple(obj.get("keep", [])), note=obj.get("note", ""),
        )
        try:
            rule._patterns
        except re.error as exc:
            raise RuleTableError(f"{where}: bad context pattern: {exc}") from None
        return rule


@dataclass(frozen=True)
class RuleMatch:
    """A rule that fired at ``[start, end)`` of the original text."""

    start: int
    end: int
    original: str
    replacement: str
    rule: Rule


def _is_word_char(c: str) -> bool:
    return c.isalnum()


def _boundary_ok(s: str, start: int, end: int) -> bool:
    """Whole-word check on normalized text (hyphens separate words, apostrophes do not)."""
    if start > 0:
        p = s[start - 1]
        if _is_word_char(p) or (p == "'" and start > 1 and _is_word_char(s[start - 2])):
            return False
    if end < len(s):
        n = s[end]
        if _is_word_char(n):
            return False
        if n == "'" and end + 1 < len(s) and _is_word_char(s[end + 1]):
            # Allow the possessive "'s" after a match, not other contractions.
            if not (s[end + 1] == "s" and (end + 2 == len(s) or not _is_word_char(s[end + 2]))):
                return False
    return True


@dataclass
class RuleTable:
    """A set of rules and the Aho-Corasick automaton that finds them all in one pass."""

    rules: list[Rule]
    _by_key: dict[str, list[Rule]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise RuleTableError(f"duplicate rule id {r.id!r}")
            seen.add(r.id)
            if r.status != "disabled":
                self._by_key.setdefault(r.key, []).append(r)

    @cached_property
    def _automaton(self):
        import ahocorasick

        auto = ahocorasick.Automaton()
        for key in self._by_key:
            auto.add_word(key, key)
        if self._by_key:
            auto.make_automaton()
        return auto

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    @cached_property
    def _by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def get_rule(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` if none)."""
        return self._by_id[rule_id]

    def find_all(self, text: str, norm: Normalized | None = None,
                 include_experimental: bool = False) -> list[RuleMatch]:
        """Every rule match in ``text`` whose boundaries and context hold (may overlap)."""
        if not self._by_key or not text:
            return []
        norm = norm or normalize(text)
        s = norm.text
        out: list[RuleMatch] = []
        for end_idx, key in self._automaton.iter(s):
            end = end_idx + 1
            start = end - len(key)
            if not _boundary_ok(s, start, end):
                continue
            left = s[max(0, start - _CONTEXT_WINDOW):start]
            right = s[end:end + _CONTEXT_WINDOW]
            for rule in self._by_key[key]:
                if rule.status == "experimental" and not include_experimental:
                    continue
                if not rule.context_ok(left, right):
                    continue
                o_start, o_end = norm.span(start, end)
                original = text[o_start:o_end]
                out.append(RuleMatch(o_start, o_end, original,
                                     transfer_case(original, rule.replacement), rule))
                break  # the first rule (in file order) whose context holds wins this key
        return out

    def find(self, text: str, norm: Normalized | None = None) -> list[RuleMatch]:
        """Non-overlapping matches: longest first, then most confident, then leftmost.

        >>> t = RuleTable([Rule("a", "with the aid of", "with help of", .5),
        ...                Rule("b", "with the aid of using", "by", .9)])
        >>> [m.replacement for m in t.find("made with the aid of using tools")]
        ['by']
        """
        matches = self.find_all(text, norm)
        matches.sort(key=lambda m: (-(m.end - m.start), -m.rule.confidence, m.start))
        taken: list[RuleMatch] = []
        occupied = SpanSet()
        for m in matches:
            if occupied.overlaps(m.start, m.end):
                continue
            taken.append(m)
            occupied.add(m.start, m.end)
        taken.sort(key=lambda m: m.start)
        return taken


def _iter_rule_lines(path: Path) -> Iterable[tuple[int, dict]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleTableError(f"{path}: cannot read rule file: {exc}") from None
    for i, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            yield i, json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleTableError(f"{path}:{i}: not valid JSON: {exc.msg}") from None


def load_rules(paths: Iterable[str | Path]) -> RuleTable:
    """Load rule files into one table; a malformed line raises naming file and line."""
    rules: list[Rule] = []
    for p in paths:
        p = Path(p)
        for i, obj in _iter_rule_lines(p):
            rules.append(Rule.from_json(obj, f"{p.name}:{i}"))
    return RuleTable(rules)


def bundled_rule_files() -> list[Path]:
    """The rule files shipped in the package, in load order (earlier files win ties)."""
    root = resources.files("unspin") / "resources" / "rules"
    return sorted((Path(str(p)) for p in root.iterdir() if p.name.endswith(".jsonl")),
                  key=lambda p: p.name)


@lru_cache(maxsize=1)
def default_table() -> RuleTable:
    """The bundled rule table, loaded once."""
    return load_rules(bundled_rule_files())

"""``unspin rules check``: load the rule table and run every rule's own examples."""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from typing import Sequence

from .edits import Edit, apply_edits
from .rules import Rule, RuleTable, RuleTableError, bundled_rule_files, load_rules


def apply_rule(rule: Rule, text: str) -> tuple[str, int]:
    """``text`` with only ``rule`` applied (experimental rules too), and its match count."""
    table = RuleTable([dataclasses.replace(rule, status="active")])
    matches = table.find(text)
    edits = [Edit(m.start, m.end, m.original, m.replacement, "rule", rule.id, rule.confidence)
             for m in matches]
    return apply_edits(text, edits), len(matches)


def example_failures(rule: Rule) -> list[str]:
    """What is wrong with ``rule``'s examples (empty when they all hold).

    >>> r = Rule("t", "now no longer", "not", .9, examples=(("It now no longer works.",
    ...          "It not works."),), keep=("nothing here",))
    >>> example_failures(r)
    []
    """
    problems = []
    if not rule.examples:
        problems.append("has no example")
    for spun, orig in rule.examples:
        out, n = apply_rule(rule, spun)
        if n == 0:
            problems.append(f"did not fire on {spun!r}")
        elif out != orig:
            problems.append(f"{spun!r} -> {out!r}, expected {orig!r}")
    for sentence in rule.keep:
        if apply_rule(rule, sentence)[1]:
            problems.append(f"fired on its keep example {sentence!r}")
    return problems


def check_rules(files: Sequence[str] = ()) -> int:
    """Print a summary of the table and every failing rule; 0 if all hold, 1 otherwise."""
    paths = list(files) or bundled_rule_files()
    try:
        table = load_rules(paths)
    except RuleTableError as exc:
        print(f"unspin: error: {exc}", file=sys.stderr)
        return 1
    failures = 0
    for rule in table:
        if rule.status == "disabled":
            continue
        for problem in example_failures(rule):
            failures += 1
            print(f"FAIL {rule.id}: {problem}")
    tiers = Counter(r.tier for r in table)
    status = Counter(r.status for r in table)
    n_ex = sum(len(r.examples) + len(r.keep) for r in table)
    print(f"{len(table)} rules ({', '.join(f'{k} {v}' for k, v in sorted(tiers.items()))}; "
          f"{', '.join(f'{k} {v}' for k, v in sorted(status.items()))}) in {len(paths)} file(s); "
          f"{n_ex} examples; {failures} failure(s)")
    return 1 if failures else 0

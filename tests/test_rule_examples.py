"""Every bundled rule's own examples: each 'spun' example restores to its 'orig', each 'keep'
sentence is left alone by that rule (its context conditions and antipatterns hold)."""

from __future__ import annotations

import pytest

from unspin.rulecheck import example_failures
from unspin.rules import default_table

RULES = [r for r in default_table() if r.status != "disabled"]


def test_table_is_large_and_every_rule_has_an_example():
    seed = [r for r in RULES if r.tier == "seed"]
    assert len(seed) >= 300
    assert not [r.id for r in RULES if not r.examples]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule):
    assert example_failures(rule) == []

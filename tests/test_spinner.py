"""The synthetic spinner: determinism, alignment exactness, style properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.spinner import SEED_IDIOMS, STYLES, spin, wordnet_available

needs_wordnet = pytest.mark.skipif(not wordnet_available(),
                                   reason="WordNet (apt-get install wordnet-base) is absent")

# Written for these tests (not from any corpus).
TEXT = ("The committee said on Monday that it is not ready, because the two countries "
        "have to work on climate change in order to reach a deal. Some members were "
        "called back before the second meeting.\nMost people also believe it.")


def _check_alignment(s):
    """Every aligned span matches both texts and the text between spans is identical."""
    op = sp = 0
    for os_, oe, ss, se, o, p in s.alignment:
        assert s.source_text[os_:oe] == o
        assert s.text[ss:se] == p
        assert s.source_text[op:os_] == s.text[sp:ss]
        assert o != p
        op, sp = oe, se
    assert s.source_text[op:] == s.text[sp:]


@pytest.mark.parametrize("style", STYLES)
def test_deterministic_and_aligned(style):
    a = spin(TEXT, style=style, seed=7)
    b = spin(TEXT, style=style, seed=7)
    assert a.text == b.text and a.alignment == b.alignment
    _check_alignment(a)
    assert a.source_text == TEXT


def test_seed_idioms_fire():
    s = spin(TEXT, style="seed", rate=0.3, seed=1)
    low = s.text.lower()
    assert "now no longer" in low
    assert "weather extrude" in low or "weather alternate" in low
    assert "stated" in low
    assert "2" in s.text  # number words -> digits


def test_seed_is_consistent_within_a_document():
    text = "We work here. They work there. You work too. I work now."
    s = spin(text, style="seed", seed=3)
    spuns = {p for _, _, _, _, o, p in s.alignment if o.lower() == "work"}
    assert len(spuns) <= 1


def test_case_kept():
    s = spin("Not now. Climate change matters.", style="seed", seed=0, rate=0.0)
    assert s.text.startswith("Now no longer")
    assert "Weather" in s.text


def test_rate_zero_thesaurus_changes_nothing():
    assert spin(TEXT, style="thesaurus", rate=0.0).text == TEXT


@needs_wordnet
def test_seed_rate_is_about_right():
    text = ("A quiet river runs past the old mill, where farmers bring grain to sell at the "
            "weekly market. Children play near the bridge and traders argue over prices. "
            "Later the light fades, lamps glow in windows and the town settles into sleep. ") * 3
    s = spin(text, style="seed", rate=0.3, seed=2)
    share = s.changed_words / len(re.findall(r"\w+", text))
    assert 0.15 <= share <= 0.6


@needs_wordnet
def test_thesaurus_changes_words():
    s = spin(TEXT, style="thesaurus", rate=0.5, seed=4)
    assert s.alignment and s.text != TEXT


def test_bad_arguments():
    with pytest.raises(ValueError):
        spin("x", style="nope")
    with pytest.raises(ValueError):
        spin("x", rate=2.0)


def test_idiom_table_is_large():
    assert len(SEED_IDIOMS) > 300
    assert SEED_IDIOMS["not"][0] == "now no longer"
    assert SEED_IDIOMS["by"][0] == "with the aid of using"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc not by the work  said,.\n’'-ÉX2")),
               max_size=80), st.sampled_from(STYLES), st.integers(0, 5))
def test_property_whitespace_and_punctuation_kept(text, style, seed):
    s = spin(text, style=style, seed=seed)
    _check_alignment(s)

"""Invariants of restore() under random text and real clean prose (hypothesis).

For any input: edits are sorted, non-overlapping and match the input; replaying them gives
the output; everything outside the edits is unchanged; restoring the output again changes
nothing; clean prose is (almost) untouched. CI runs a small budget; set
UNSPIN_HYPOTHESIS_EXAMPLES=100000 for the long run documented in the README.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspin.edits import apply_edits, check_edits
from unspin.pipeline import Restorer

from conftest import corpus_sample

N = int(os.environ.get("UNSPIN_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=N, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

RESTORER = Restorer(use_model=False, use_lexicon=False)

# Spinner phrases mixed with arbitrary Unicode, markup and odd white space.
PHRASES = ["now no longer", "with the aid of using", "Weather extrude", "withinside the",
           "stated", "an excessive", "it’s far", "2nd", "demanding situations", "the usage of",
           "<b>", "https://x.io/a", "\r\n", "\u2028", "\ufeff", " \t ", "İ", "ß", "é", "’"]
TEXT = st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=12)), max_size=25).map(" ".join)


def _check(text: str, restorer: Restorer = RESTORER) -> None:
    r = restorer.restore(text)
    check_edits(text, list(r.edits))
    assert apply_edits(text, r.edits) == r.text
    pos = 0
    out_pos = 0
    for e in r.edits:  # bytes outside edits are copied unchanged, in order
        gap = text[pos:e.start]
        assert r.text[out_pos:out_pos + len(gap)] == gap
        out_pos += len(gap) + len(e.replacement)
        pos = e.end
    assert r.text[out_pos:] == text[pos:]
    assert restorer.restore(r.text).text == r.text, "restoring twice changed more"
    assert 0.0 <= r.spin_score <= 1.0


@SETTINGS
@given(TEXT)
def test_invariants_on_random_text(text):
    _check(text)


@pytest.mark.parametrize("corpus", ["onestopenglish", "wikipedia_en_2015", "reuters21578"])
def test_invariants_and_no_damage_on_clean_prose(corpus):
    docs = corpus_sample(corpus, n_docs=15)
    changed = total = 0
    for text in docs:
        _check(text)
        r = RESTORER.restore(text)
        changed += sum(len(e.original.split()) for e in r.edits)
        total += len(text.split())
    assert changed / total < 0.005, f"{changed} of {total} clean words changed"


FULL = Restorer()  # rules + lexicon + model: the default pipeline


@settings(max_examples=max(20, N // 3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(TEXT)
def test_invariants_of_the_default_pipeline_on_random_text(text):
    _check(text, FULL)


def test_default_pipeline_leaves_clean_prose_alone():
    docs = corpus_sample("onestopenglish", n_docs=8)
    for text in docs:
        _check(text, FULL)
        r = FULL.restore(text)
        assert sum(len(e.original.split()) for e in r.edits) <= 0.005 * len(text.split()) + 1

"""The shipped inverse thesaurus: lookups, inflection, priors and provenance."""

import pytest

from unspin.lexicon import Lexicon, _regular, candidates, default_lexicon


@pytest.fixture(scope="module")
def lex():
    from unspin.lm import get_scorer

    ng = get_scorer("fast").ensure_loaded()
    base = default_lexicon()
    lx = Lexicon(known=lambda w: ng.count(w) > 0)
    lx._data = base.data
    return lx


def test_candidates_shape_and_order():
    c = candidates("stated")
    assert c and all(isinstance(o, str) and 0 < p <= 1 and src for o, p, src in c)
    assert [p for _, p, _ in c] == sorted((p for _, p, _ in c), reverse=True)


def test_inflection_is_carried_over(lex):
    assert "said" in [o for o, _, _ in lex.candidates("stated")]
    assert "areas" in [o for o, _, _ in lex.candidates("regions")]
    assert "interests" in [o for o, _, _ in lex.candidates("hobbies")]


def test_case_insensitive_and_unknown(lex):
    assert lex.candidates("Regions") == lex.candidates("regions")
    assert lex.candidates("qzxv") == []


def test_no_self_or_hyponym_candidates(lex):
    for w in ("paintings", "machine", "stress"):
        for o, _, _ in lex.candidates(w):
            assert o != w and w not in o.split()


def test_known_filter_drops_nonwords(lex):
    for o, _, _ in lex.candidates("introduced"):
        assert "bringed" not in o


def test_regular_inflection():
    assert _regular("stop", "v", "ed") == ["stoped", "stopped"]
    assert _regular("city", "n", "pl") == ["cities"]
    assert _regular("make", "v", "ing") == ["making"]


def test_meta_has_provenance():
    meta = default_lexicon().meta
    assert "wordnet-3.0" in meta["sources"][0]
    assert meta["channel"] == "P(spun|original)"

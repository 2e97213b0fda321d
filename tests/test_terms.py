"""The term restorer (unseen tortured phrases rebuilt word by word as known terms)."""

from __future__ import annotations

import math

import pytest

from unspin.document import Document
from unspin.edits import Edit, apply_edits
from unspin.pipeline import Restorer
from unspin.rules import RuleTable, default_table
from unspin.terms import TermStage, _variant


@pytest.fixture(scope="module")
def stage():
    return TermStage()


@pytest.fixture(scope="module")
def no_pps_restorer():
    """Rules without the PPS tier: the term stage must find tortured phrases by itself."""
    table = RuleTable([r for r in default_table() if r.tier != "pps"])
    return Restorer(rules=table, use_model=False)


def test_restores_a_known_pair(stage):
    doc = Document("In this paper we study counterfeit consciousness in detail.")
    edits = stage.propose(doc)
    assert [(e.original, e.replacement) for e in edits] == [
        ("counterfeit consciousness", "artificial intelligence")]
    e = edits[0]
    assert e.source == "lexicon" and e.rule_id.startswith("term:") and 0.5 <= e.confidence <= 1


def test_keeps_case_at_sentence_start(stage):
    doc = Document("Counterfeit consciousness is studied here.")
    assert [e.replacement for e in stage.propose(doc)] == ["Artificial intelligence"]


@pytest.mark.parametrize("text", [
    "The weather was nice and we walked to the old market.",
    "The committee discussed the budget for next year in great detail.",
    "Deep learning and artificial intelligence are popular research fields.",
    "The magnetic field of the earth protects us from the solar wind.",
    "We welcome the adoption of the resolution on climate change.",
])
def test_leaves_clean_sentences_untouched(stage, text):
    assert stage.propose(Document(text)) == []


def test_edits_replay(stage):
    text = ("We describe a new approach based on profound learning for this task. "
            "In this paper we study counterfeit consciousness in detail.")
    edits = stage.propose(Document(text))
    assert len(edits) == 2
    out = apply_edits(text, edits)
    assert "deep learning" in out and "artificial intelligence" in out
    for e in edits:
        assert text[e.start:e.end] == e.original


def test_protected_and_proposed_spans_untouched(stage):
    text = "See `counterfeit consciousness` and counterfeit consciousness here."
    edits = stage.propose(Document(text))
    assert len(edits) == 1 and edits[0].start > text.index("` and")
    doc = Document("We study counterfeit consciousness today.")
    s = doc.text.index("counterfeit")
    doc.proposals = [Edit(s, s + 11, "counterfeit", "fake", "rule", "x", 0.9)]
    assert stage.propose(doc) == []


def test_pipeline_uses_it_without_pps_rules(no_pps_restorer):
    r = no_pps_restorer.restore("In this paper we study counterfeit consciousness in detail.")
    assert r.text == "In this paper we study artificial intelligence in detail."
    clean = "The magnetic field of the earth protects us from the solar wind."
    assert no_pps_restorer.restore(clean).text == clean


def test_variants_are_never_substitutions():
    assert _variant("network", "networks") and _variant("sign", "signal")
    assert not _variant("profound", "deep")


def test_can_be_turned_off(monkeypatch):
    from unspin.stages import term_stage

    monkeypatch.setenv("UNSPIN_TERMS", "off")
    assert term_stage() is None
    monkeypatch.setenv("UNSPIN_TERMS", "/nonexistent/terms.json.gz")
    assert term_stage() is None


def test_stands_aside_in_seed_spun_documents(stage):
    text = "In this paper we study counterfeit consciousness in detail."
    seed = [Edit(0, 2, "In", "In", "rule", f"seed.x{i}", 0.9) for i in range(3)]
    doc = Document(text)
    doc.proposals = seed
    assert stage.seed_spun(doc) and stage.propose(doc) == []
    doc.proposals = seed[:2] + [Edit(0, 2, "In", "In", "rule", f"pps.y{i}", 0.9) for i in range(3)]
    assert not stage.seed_spun(doc)
    assert not TermStage(seed_min_hits=0).seed_spun(doc)


# the broad inverse thesaurus ("thes"): words no PPS pair covers -------------------------
_THES = {"words": {}, "phrases": {}, "terms": [], "term_words": {},
         "thes": {"quarrying": [["mining", 2], ["extraction", 1]],
                  "pasture": [["field", 3], ["grass", 2]]}}


def _thes_candidates(stage: TermStage, text: str) -> list[tuple[list, str]]:
    return [(outw, rid) for _, _, _, outw, _, rid in stage.candidates(Document(text))]


def test_thesaurus_candidates_need_an_attested_pair():
    stage = TermStage(resource=dict(_THES), threshold=0.0)
    cands = _thes_candidates(stage, "The team applied data quarrying to the survey.")
    assert (["data", "mining"], "term:thesaurus") in cands
    # "extraction" is a thesaurus original too, but "data extraction" is rarer than the
    # filter's least count in the clean corpora, or absent: only attested pairs survive
    assert all(rid == "term:thesaurus" for _, rid in cands)
    strict = TermStage(resource=dict(_THES), threshold=0.0, thes_min_unit=1e12,
                       thes_lm_min=1.0)
    assert _thes_candidates(strict, "The team applied data quarrying to the survey.") == []
    off = TermStage(resource=dict(_THES), threshold=0.0, thes_options=0)
    assert _thes_candidates(off, "The team applied data quarrying to the survey.") == []


def test_thesaurus_pairs_content_words_only():
    stage = TermStage(resource=dict(_THES), threshold=0.0)
    # "the pasture" -> "the field": a function word is never the other half of a term
    assert _thes_candidates(stage, "Sheep graze on the pasture.") == []


def test_thesaurus_plurals():
    stage = TermStage(resource=dict(_THES))
    words = [o for o, *_ in stage.thes_originals("pastures")[0]]
    assert words[:2] == ["fields", "grasses"]


def test_shipped_resource_has_the_thesaurus(stage):
    thes = stage.data["thes"]
    assert len(thes) > 50_000
    assert "field" in [o for o, _ in thes["pasture"]]


def test_an_unchanged_word_keeps_its_curly_apostrophe():
    text = "the people’s profound sorrow"
    spans = [(4, 12), (13, 21)]
    e = TermStage._edit(text, spans, ["people's", "deep"], "term:pps-map", 0.9)
    assert (e.start, e.end, e.original, e.replacement) == (13, 21, "profound", "deep")


def test_long_texts_without_tortured_phrases_need_more_confidence(stage):
    short = Document("We study counterfeit consciousness.")
    assert stage.threshold_for(short) == stage.threshold
    long_text = " ".join(["The committee met again on Tuesday to discuss the budget."] * 8)
    doc = Document(long_text)
    assert stage.threshold_for(doc) == stage.strict_threshold > stage.threshold
    # a tortured phrase the rule table knows is evidence of a paper mill: back to normal
    doc.proposals = [Edit(4, 13, "committee", "x", "rule", "pps.0001-x", 0.9)]
    assert stage.threshold_for(doc) == stage.threshold
    assert TermStage(strict_threshold=0.0).threshold_for(Document(long_text)) == 0.6


class _FakeNeural:
    """Stands in for SmolLM2: prefers any continuation that starts with ``liked``."""

    def __init__(self, liked: str) -> None:
        self.liked = liked
        self.calls: list = []

    def text_logprobs(self, prefixes, continuations):
        self.calls.append((list(prefixes), list(continuations)))
        return [0.0 if c.startswith(self.liked) else -10.0 for c in continuations]


def test_accurate_tier_verifies_unsure_candidates():
    text = "We describe a new approach based on profound learning for this task."
    s = text.index("profound")
    unsure = Edit(s, s + 8, "profound", "deep", "lexicon", "term:pps-map", 0.45)
    fake = _FakeNeural("deep")
    stage = TermStage(neural=fake, verify_weight=0.3)
    (ed,) = stage.verify(text, [unsure])
    # log-odds of 0.45 plus 0.3 x 10 nats
    assert ed.confidence == pytest.approx(1 / (1 + math.exp(-(math.log(0.45 / 0.55) + 3.0))),
                                          abs=1e-4)
    assert ed.rule_id == "term:pps-map+lm" and (ed.start, ed.end) == (unsure.start, unsure.end)
    prefixes, conts = fake.calls[0]
    assert prefixes == ["We describe a new approach based on"] * 2
    assert conts == ["deep learning for this task.", "profound learning for this task."]
    (worse,) = TermStage(neural=_FakeNeural("profound")).verify(text, [unsure])
    assert worse.confidence < unsure.confidence


# outputs no source knows as a term, built wholly from PPS substitutions ------------------
_PPS_ONLY = {"words": {"ghastly": [["spectral", 5]], "trimming": [["pruning", 4]]},
             "phrases": {}, "terms": [], "term_words": {"spectral": 3, "pruning": 3}}


def _feats(stage: TermStage, text: str) -> dict:
    return {tuple(x for x in outw if x): feats
            for _, _, _, outw, feats, _ in stage.candidates(Document(text))}


def test_unattested_term_built_from_pps_substitutions_is_scored():
    text = "We apply ghastly trimming to the graph."
    stage = TermStage(resource=dict(_PPS_ONLY), threshold=0.0)
    # "spectral pruning": not in the clean corpora, SmolLM2's table or any term list...
    assert stage.unit_count(["spectral", "pruning"]) == (0.0, 0.0)
    feats = _feats(stage, text)
    # ...but every word of it is a PPS substitution of the spun word: scored, and marked
    assert feats[("spectral", "pruning")]["unknown"] == 1.0
    # a half restoration keeps a word the PPS pairs know as spun: never scored
    assert ("spectral", "trimming") not in feats
    off = TermStage(resource=dict(_PPS_ONLY), threshold=0.0, unknown_terms=False)
    assert ("spectral", "pruning") not in _feats(off, text)


def test_unattested_outputs_need_term_words():
    res = dict(_PPS_ONLY, term_words={"spectral": 3})  # "pruning" is in no PPS term
    stage = TermStage(resource=res, threshold=0.0)
    assert ("spectral", "pruning") not in _feats(stage, "We apply ghastly trimming to it.")


def test_unattested_outputs_may_keep_a_word_no_term_list_has():
    # "zorblax" (a made-up name) is in no PPS term, but it is kept, not restored: the changed
    # word alone must be a PPS substitution found in terms ("adam enhancer" -> "adam optimizer")
    res = dict(_PPS_ONLY, words={"enhancer": [["optimizer", 6]]}, term_words={"optimizer": 4})
    stage = TermStage(resource=res, threshold=0.0)
    feats = _feats(stage, "We train it with the zorblax enhancer today.")
    assert feats[("zorblax", "optimizer")]["unknown"] == 1.0
    no_tw = TermStage(resource=dict(res, term_words={}), threshold=0.0)
    assert ("zorblax", "optimizer") not in _feats(no_tw, "We train it with the zorblax enhancer today.")


def test_a_word_substitution_absorbs_the_rest_of_its_learned_phrase():
    # "gaining" -> "learning" is a word substitution and "gaining knowledge" -> "learning" a
    # phrase one: the window "supervised gaining" must not leave "knowledge" dangling
    res = {"words": {"gaining": [["learning", 2]]},
           "phrases": {"gaining knowledge": [["learning", 3]]},
           "terms": ["supervised learning"], "term_words": {"supervised": 2, "learning": 9}}
    text = "We study supervised gaining knowledge in detail."
    stage = TermStage(resource=res, threshold=0.0)
    cands = [(text[s:e], outw) for s, e, _, outw, _, rid in stage.candidates(Document(text))
             if rid == "term:pps-map"]
    assert ("supervised gaining knowledge", ["supervised", "learning", ""]) in cands
    assert not [c for c in cands if c[0] == "supervised gaining"]
    best = max(stage.propose(Document(text)), key=lambda e: e.confidence)
    assert (best.original, best.replacement) == ("gaining knowledge", "learning")


_KNOWN = {"words": {"backing": [["support", 4]]}, "phrases": {},
          "terms": ["support vector machine"],
          "term_words": {"support": 5, "vector": 5, "machine": 7},
          "thes": {"automaton": [["machine", 2], ["robot", 2]]}}


def _known_cands(stage: TermStage, text: str) -> dict:
    return {(text[s:e], tuple(x for x in outw if x)): feats
            for s, e, _, outw, feats, rid in stage.candidates(Document(text))
            if rid == "term:known-term"}


def test_a_window_may_be_restored_as_a_known_term_it_shares_words_with():
    stage = TermStage(resource=dict(_KNOWN), threshold=0.0)
    text = "We train a support vector automaton on the data."
    cands = _known_cands(stage, text)
    key = ("support vector automaton", ("support", "vector", "machine"))
    assert key in cands
    assert cands[key]["known"] == 1.0 and cands[key]["known_kept"] == 2.0
    # two changed words, one a PPS substitution ("backing" -> "support"), one a thesaurus one
    cands = _known_cands(stage, "We train a backing vector automaton on the data.")
    assert ("backing vector automaton", ("support", "vector", "machine")) in cands
    # every changed word needs a source linking it to the term's word: "strengthen" has none
    assert _known_cands(stage, "We train a strengthen vector automaton on the data.") == {}
    off = TermStage(resource=dict(_KNOWN), threshold=0.0, known_terms=False)
    assert _known_cands(off, text) == {}


def test_a_known_term_itself_is_never_a_candidate_window():
    stage = TermStage(resource=dict(_KNOWN), threshold=0.0)
    assert _known_cands(stage, "We train a support vector machine on the data.") == {}


def test_a_whole_known_term_wins_over_its_more_confident_half():
    text = "We use characteristic dialect preparing here."
    half = Edit(22, 39, "dialect preparing", "language processing", "lexicon", "term:pps-map",
                0.94)
    whole = Edit(7, 39, "characteristic dialect preparing", "natural language processing",
                 "lexicon", "term:pps-map", 0.9)
    assert text[half.start:half.end] == half.original
    assert text[whole.start:whole.end] == whole.original
    rank = TermStage._extension_rank([half, whole], frozenset({"natural language processing"}))
    assert rank[whole] == 0.94 and rank[half] == 0.94
    # an extension that is no known term keeps its own rank ("wind vitality" -> "laminar
    # energy" must not beat "vitality" -> "energy")
    rank = TermStage._extension_rank([half, whole], frozenset())
    assert rank[whole] == 0.9

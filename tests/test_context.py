"""The context restorer: noisy-channel decisions over the lexicon, scored by the n-gram LM."""

import time

import pytest

from unspin.context import STOPWORDS, LexiconStage
from unspin.document import Document
from unspin.edits import Edit, apply_edits, check_edits

SPUN = ("Officials stated the regions near the border were calm. The minister stated that "
        "worldwide trade would recover, and officials stated talks would resume.")
CLEAN = ("The committee met on Tuesday to review the budget. Members agreed that the plan "
         "needs more work before the vote, and the chairman said a decision would come soon.")


@pytest.fixture(scope="module")
def stage():
    return LexiconStage(mode="fast")


def test_restores_in_a_spun_document(stage):
    doc = Document(SPUN, evidence=1.0)
    edits = stage.propose(doc)
    check_edits(SPUN, sorted(edits))
    reps = {(e.original.lower(), e.replacement.lower()) for e in edits}
    assert ("worldwide", "world") in reps or ("worldwide", "global") in reps
    loose = LexiconStage(keep_bias=2.0).propose(doc)
    assert ("stated", "said") in {(e.original, e.replacement) for e in loose}
    assert all(e.source == "lexicon" and e.rule_id.startswith("lexicon:") for e in edits)
    assert all(0.0 <= e.confidence <= 1.0 for e in edits)


def test_consistent_choice_per_form(stage):
    edits = stage.propose(Document(SPUN, evidence=1.0))
    by_form = {}
    for e in edits:
        by_form.setdefault(e.original.lower(), set()).add(e.replacement.lower())
    assert all(len(v) == 1 for v in by_form.values())


def test_clean_text_without_evidence_is_left_alone(stage):
    assert stage.propose(Document(CLEAN, evidence=0.0)) == []


def test_function_word_terms_are_no_evidence(stage):
    """"as well" is listed as a term; "as good as" -> "as well as" completes it, but a pair
    with a function word is no tortured term, so a lone clean sentence stays as it is."""
    text = "However, the results were not as good as expected."
    assert not [e for e in stage.propose(Document(text, evidence=0.0)) if e.confidence >= 0.5]
    firsts, seconds = stage._term_parts()
    assert "well" not in firsts.get("as", set())
    assert all(w not in STOPWORDS for w in firsts) and all(w not in STOPWORDS for w in seconds)


def test_content_evidence_for_text_no_signature_marks(monkeypatch):
    """A long text with no signature phrase gets evidence from its own words: the detector's
    lexicon screen through a steep logistic (midpoint, scale, least words)."""
    import importlib

    det = importlib.import_module("unspin.detect")  # the module, not the function of that name

    stage = LexiconStage(mode="fast", own_evidence=(0.075, 0.006, 20))
    long_spun = " ".join([SPUN] * 3)
    doc = Document(long_spun, evidence=0.0)
    monkeypatch.setattr(det, "raw_detect", lambda text, **kw: (0.10, [], 60, 0.0))
    assert stage.content_evidence(doc) > 0.95
    with_screen = stage.propose(doc)
    monkeypatch.setattr(det, "raw_detect", lambda text, **kw: (0.03, [], 60, 0.0))
    assert stage.content_evidence(doc) == 0.0  # only evidence above the prior counts
    assert len(with_screen) > len(stage.propose(doc))
    monkeypatch.setattr(det, "raw_detect", lambda text, **kw: (0.10, [], 24, 0.0))
    assert stage.content_evidence(Document(SPUN)) > 0.9  # 24 words: long enough here
    assert LexiconStage(own_evidence=(0.075, 0.006, 150)).content_evidence(Document(SPUN)) == 0.0
    assert LexiconStage(own_evidence=None).content_evidence(doc) == 0.0


def test_content_evidence_of_clean_prose_is_low(stage):
    text = " ".join([CLEAN, CLEAN.replace("Tuesday", "Friday"), CLEAN.replace("budget", "plan")] * 3)
    assert stage.content_evidence(Document(text)) < 0.1
    assert stage.propose(Document(text)) == []


def test_evidence_raises_confidence(stage):
    lo = {e.start: e.confidence for e in stage.propose(Document(SPUN, evidence=0.0))}
    hi = {e.start: e.confidence for e in stage.propose(Document(SPUN, evidence=1.0))}
    assert len(hi) >= len(lo)
    assert all(hi[k] >= v for k, v in lo.items() if k in hi)


def test_skips_rule_spans_names_numbers_and_protected(stage):
    text = "Officials stated that Stated Bank paid 300 dollars, see https://stated.example/x"
    doc = Document(text, evidence=1.0)
    doc.proposals = [Edit(10, 16, "stated", "said", "rule", "r", 0.9)]
    edits = stage.propose(doc)
    assert all(e.start != 10 for e in edits)
    assert all(e.original != "Stated" for e in edits)
    assert all(not any(ch.isdigit() for ch in e.original) for e in edits)
    url = text.index("https")
    assert all(e.end <= url for e in edits)


def test_case_is_transferred(stage):
    text = "Stated simply, the regions agree. " * 3
    for e in stage.propose(Document(text, evidence=1.0)):
        if e.original == "Stated":
            assert e.replacement[0].isupper()


def test_threshold_and_mode_validation():
    with pytest.raises(ValueError):
        LexiconStage(mode="slow")
    with pytest.raises(ValueError):
        LexiconStage(threshold=1.5)
    strict = LexiconStage(threshold=1.0)
    assert strict.propose(Document(SPUN, evidence=1.0)) == []


def test_no_model_still_uses_lexicon():
    st = LexiconStage(use_model=False, keep_bias=-6.0)
    edits = st.propose(Document(SPUN, evidence=1.0))
    assert edits and all(e.source == "lexicon" for e in edits)


def test_speed_fast_mode(stage):
    text = (SPUN + " " + CLEAN + "\n") * 20
    stage.propose(Document(text, evidence=1.0))
    t0 = time.perf_counter()
    edits = stage.propose(Document(text, evidence=1.0))
    dt = time.perf_counter() - t0
    n_words = len(text.split())
    assert n_words / dt > 200
    apply_edits(text, edits)


def test_decide_reuses_its_work_on_the_same_document_only(stage):
    """A second decide on the same document (the content screen, then propose) reuses the
    slots and gains: the same answer as a fresh stage at that prior; the screen leaves the
    caller's evidence alone."""
    from unspin.detect import raw_detect

    doc = Document(SPUN, evidence=0.7)
    first = [(s.start, o, round(lo, 9)) for s, o, lo, _ in stage.decide(doc, -6.0)]
    again = [(s.start, o, round(lo, 9)) for s, o, lo, _ in stage.decide(doc, -3.0)]
    fresh = [(s.start, o, round(lo, 9))
             for s, o, lo, _ in LexiconStage(mode="fast").decide(Document(SPUN), -3.0)]
    assert again == fresh and first != again
    raw_detect(SPUN, use_rules=False, stage=stage, doc=doc)
    assert doc.evidence == 0.7
    other = [(s.start, o) for s, o, lo, _ in stage.decide(Document(CLEAN), -3.0)]
    assert other == [(s.start, o) for s, o, lo, _ in
                     LexiconStage(mode="fast").decide(Document(CLEAN), -3.0)]


def test_seed_family_channel_only_where_the_family_is_evident():
    """The seed spinner family's own substitutions ("conferences" for "meetings") are read
    only in text where that family is evident: a seed-tier rule fired and the evidence
    reaches the model stage's gate. Elsewhere the lexicon is the thesaurus mixture alone."""
    text = ("The minister held conferences with partners on Monday and will now no longer "
            "delay the plan.")
    at = text.index("now no longer")
    hit = Edit(at, at + len("now no longer"), "now no longer", "not", "rule",
               "seed.now-no-longer", 0.97)
    st = LexiconStage(mode="fast")
    family = Document(text, evidence=0.9, proposals=[hit])
    cases = {"family": family, "no seed rule": Document(text, evidence=0.9),
             "weak evidence": Document(text, evidence=0.1, proposals=[hit])}

    def originals(doc):
        return {o for sl, _, _, _ in st.decide(doc, -3.0) if sl.spun == "conferences"
                for o, _, _ in sl.cands}

    assert st.family_evident(family) and "meetings" in originals(family)
    for name in ("no seed rule", "weak evidence"):
        assert not st.family_evident(cases[name]), name
        assert "meetings" not in originals(cases[name]), name
    # and back: the per-family caches do not leak into each other
    assert "meetings" in originals(family)
    off = LexiconStage(mode="fast", family_channel=False)
    assert not off.family_evident(family)

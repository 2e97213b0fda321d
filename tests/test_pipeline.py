"""The restore pipeline over a small fixed rule table: thresholds, evidence, invariants."""

from unspin.edits import apply_edits
from unspin.pipeline import Restorer, split_chunks


def test_signature_rules_fire_and_edits_replay(mini_restorer):
    text = "Weather extrude will now no longer wait, she stated."
    r = mini_restorer.restore(text)
    assert r.text == "Climate change will not wait, she said."
    assert apply_edits(text, r.edits) == r.text
    assert all(e.source == "rule" and 0 < e.confidence <= 1 for e in r.edits)
    assert r.evidence > 0.9


def test_ambiguous_rule_waits_for_document_evidence(mini_restorer):
    # "stated" is fine English: alone it stays; next to signatures it is restored.
    assert mini_restorer.restore("The rules are stated clearly.").edits == ()
    spun = mini_restorer.restore("It is now no longer open, she stated.")
    assert "said" in spun.text


def test_threshold_is_a_precision_knob(mini_table):
    strict = Restorer(rules=mini_table, use_lexicon=False, use_model=False, threshold=0.999)
    assert strict.restore("It will now no longer rain.").edits == ()


def test_article_agreement_is_fixed(mini_restorer):
    r = mini_restorer.restore("It is now no longer an excessive price.")
    assert r.text == "It is not a high price."


def test_protected_spans_are_never_edited(mini_restorer):
    text = "See https://x.org/now-no-longer and <a title='weather extrude'>now no longer</a>."
    r = mini_restorer.restore(text)
    for e in r.edits:
        assert "https" not in e.original and "title" not in e.original
    assert "https://x.org/now-no-longer" in r.text and "'weather extrude'" in r.text


def test_long_text_is_cut_at_line_ends_with_exact_offsets(mini_table):
    small = Restorer(rules=mini_table, use_lexicon=False, use_model=False, chunk_chars=50)
    text = "It will now no longer rain.\n" * 20 + "x" * 120 + " now no longer"
    r = small.restore(text)
    assert r.text == text.replace("now no longer", "not")
    assert apply_edits(text, r.edits) == r.text


def test_split_chunks_covers_text_exactly():
    text = "a b\nc d e\n" * 7 + "f" * 30
    pieces = list(split_chunks(text, 8))
    assert "".join(p for _, p in pieces) == text
    assert all(text[o:o + len(p)] == p for o, p in pieces)
    assert list(split_chunks("", 8)) == [(0, "")]


def test_empty_and_whitespace_only_text(mini_restorer):
    for t in ["", "   \r\n\t", "\ufeff"]:
        r = mini_restorer.restore(t)
        assert r.text == t and r.edits == () and r.spin_score == 0.0


def test_short_clean_sentence_gets_no_lift_from_the_prior():
    # No signature phrase: the document posterior is below the prior, and the ambiguous
    # "stated" -> "said" (0.45) must stay below the threshold in the shipped table too.
    for text in ("He stated that it was fine.", "The minister stated the talks would resume."):
        assert Restorer(use_lexicon=False, use_model=False).restore(text).edits == ()


def test_restoring_twice_changes_nothing_more():
    # found by the hypothesis idempotence test: the restored text is shorter, so its
    # zero-signature posterior was higher and lifted a borderline rule on the second pass
    text = ("stated an excessive Weather extrude an excessive Weather extrude stated stated "
            "stated stated it’s far the usage of the usage of")
    r = Restorer(use_lexicon=False, use_model=False)
    once = r.restore(text).text
    assert r.restore(once).text == once


def test_garbage_collector_state_is_restored():
    import gc

    r = Restorer(use_lexicon=False, use_model=False)
    assert gc.isenabled()
    r.restore("It will now no longer rain.")
    assert gc.isenabled()
    gc.disable()
    try:
        r.restore("It will now no longer rain.")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_spinbot_family_words_need_their_own_family_signatures():
    """A SpinBot-family word rule ("numerous" -> "many", 0.15) fires only where SpinBot
    signatures lift it: not in clean text, not in text of the seed family (whose spinner
    puts "amid" for "among"), but in SpinBot-spun text."""
    r = Restorer(use_lexicon=False, use_model=False)
    clean = "The town has numerous parks and the fair was held amid the ruins."
    assert r.restore(clean).text == clean
    seed = ("The council stated it'd now no longer paintings with the aid of using itself, "
            "and numerous parks were closed amid the ruins.")
    out = r.restore(seed).text
    assert "not work by itself" in out and "numerous" in out and "amid" in out
    spinbot = ("A standout amongst the most visited towns has numerous parks, keeping in mind "
               "the end goal to draw visitors amid the summer.")
    out = r.restore(spinbot).text
    assert out == ("One of the most visited towns has many parks, in order to draw visitors "
                   "during the summer.")
    ids = {e.rule_id.split(".")[0] for e in r.restore(spinbot).edits}
    assert ids == {"spinbot"}


def test_inert_family_rules_leave_no_proposal_behind():
    """Below the threshold outside its family's text, a SpinBot rule proposes nothing at all,
    so it neither hides the span from the later stages nor counts as a rule hit."""
    r = Restorer(use_lexicon=False, use_model=False)
    doc = r.propose("The plant makes numerous items for export.")
    assert not [e for e in doc.proposals if e.rule_id.startswith("spinbot.")]
    doc = r.propose("A standout amongst the most loved shops sells numerous items.")
    assert {e.original for e in doc.proposals if e.rule_id.startswith("spinbot.")} == {
        "A standout amongst the most", "numerous", "items"}


def test_two_distinct_weak_family_phrases_count_as_evidence():
    """SpinBot output often has no signature phrase; two different weak phrases of the
    family ("as indicated by", "call attention to": natural English, 0.45) are its mark, one
    alone is not."""
    r = Restorer(use_lexicon=False, use_model=False)
    one = "As indicated by the mayor, the plan is ready."
    assert r.restore(one).text == one
    two = "As indicated by the mayor, critics call attention to the cost."
    assert r.restore(two).text == "According to the mayor, critics point out the cost."
    same_twice = "As indicated by the mayor and as indicated by the clerk, it is ready."
    assert r.restore(same_twice).text == same_twice


def test_assume_spun_lets_weak_rules_act_without_signatures(mini_table):
    """A sentence the caller knows is spun gets the evidence a few signatures would give:
    the ambiguous "stated" -> "said" then fires; by default it waits for signatures."""
    text = "The rules are stated clearly."
    plain = Restorer(rules=mini_table, use_lexicon=False, use_model=False)
    told = Restorer(rules=mini_table, use_lexicon=False, use_model=False, assume_spun=True)
    assert plain.restore(text).edits == ()
    r = told.restore(text)
    assert r.text == "The rules are said clearly." and r.evidence >= 0.99
    assert [(e.original, e.source) for e in r.edits] == [("stated", "rule")]
    assert apply_edits(text, r.edits) == r.text

"""Spin detection: spun text scores higher than clean text; spans point into the text."""

from unspin.detect import detect, roc_auc

SPUN = ("Officials stated the regions near the border were calm. The minister stated that "
        "worldwide commerce would recover, and officials stated talks would resume quickly. "
        "Humans misplaced their homes, the regulation changed into passed.")
CLEAN = ("The committee met on Tuesday to review the budget. Members agreed that the plan "
         "needs more work before the vote, and the chairman said a decision would come soon.")


def test_spun_scores_above_clean():
    s, c = detect(SPUN), detect(CLEAN)
    assert 0.0 <= c.score < s.score <= 1.0
    assert c.score < 0.15


def test_spans_are_offsets_into_text():
    d = detect(SPUN)
    assert d.spans
    for sp in d.spans:
        assert SPUN[sp.start:sp.end] == sp.phrase
        assert 0.5 <= sp.probability <= 1.0
        assert sp.likely_original and sp.likely_original != sp.phrase.lower()


def test_empty_text():
    d = detect("   ")
    assert d.score == 0.0 and d.spans == ()


def test_roc_auc():
    assert roc_auc([0.0, 0.1], [0.5, 0.6]) == 1.0
    assert roc_auc([0.5], [0.5]) == 0.5


def test_spans_carry_the_probability_the_restorer_gives_them():
    """A weak rule ("stated" -> "said", below 0.5 alone) is flagged where the text's evidence
    lifts it, as restoring would change it, and not in clean text; the score is unchanged by
    that (it keeps the rules' own confidences, on which it was calibrated)."""
    spun = "The council stated it would now no longer pressure nearby corporations."
    flagged = {s.phrase: s.probability for s in detect(spun).spans}
    assert flagged["stated"] >= 0.5 and "now no longer" in flagged
    assert [s.phrase for s in detect("The minister stated that the bridge will open.").spans] == []
    sb = ("As indicated by the mayor, critics call attention to the cost of the numerous "
          "new projects.")
    assert {"As indicated by", "call attention to", "numerous"} <= {s.phrase for s in detect(sb).spans}

"""Document-level evidence that a text is spun at all, and how it lifts edit confidence.

Signature phrases ("now no longer", "with the aid of using") almost never occur in clean
prose, so their count in a document is strong evidence. We model signature hits as a Poisson
process: about one per ``1/RATE_SPUN`` words in text of the seed spinner, one per
``1/RATE_CLEAN`` words in clean prose. The posterior that the document is spun then gates the
ambiguous rules: a rule whose mapping is only sometimes right ("stated" -> "said") fires only
where the document is clearly spun.

>>> round(spin_evidence(0, 500), 3)
0.0
>>> spin_evidence(6, 300) > 0.99
True
>>> round(lift(0.3, 1.0), 2), round(lift(0.3, 0.0), 2)
(0.77, 0.3)
"""

from __future__ import annotations

import math

PRIOR_SPUN = 0.1          # prior share of documents that are spun: a keep-bias
# Measured with the bundled table: 40 signature hits in the 902 words of the seed article
# (1 per 23 words; we assume a sparser 1 per 30 for unseen articles), and 7 hits in 2.74M
# words of clean paragraphs from all four corpora (1 per 391k; we assume 1 per 300k).
RATE_SPUN = 1 / 30        # signature hits per word in seed-spinner text
RATE_CLEAN = 1 / 300_000  # signature hits per word in clean prose
LIFT = 8.0                # odds multiplier for an edit in a document that is surely spun
# Rule tiers whose ambiguous rules only their own family's signatures may lift. The SpinBot
# family's weak mappings ("amid" -> "during", "the quantity of" -> "the number of") are wrong
# in text of the seed family, whose spinner puts "amid" for "among" (measured on the synthetic
# seed-style sets: 6 wrong edits of this kind when any signature lifted them, none now).
OWN_EVIDENCE_TIERS = frozenset({"spinbot"})


# The seed family's gate: where its habits are read beyond the rule table (the model's swaps,
# the lexicon's seed channel), a seed-tier rule must have fired and the evidence reach this.
SEED_GATE_EVIDENCE = 0.3


def seed_rule_fired(proposals) -> bool:
    """Whether any of ``proposals`` is a seed-tier rule hit: the seed family's own mark.

    >>> from unspin.edits import Edit
    >>> seed_rule_fired([Edit(0, 13, "now no longer", "not", "rule", "seed.now-no-longer", 0.99)])
    True
    """
    return any(p.source == "rule" and p.rule_id.startswith("seed.") for p in proposals)


def own_tier(rule_id: str) -> str | None:
    """The tier of ``rule_id`` if it is one of ``OWN_EVIDENCE_TIERS`` (rule ids start with
    their tier), else ``None``.

    >>> own_tier("spinbot.amid"), own_tier("seed.now-no-longer")
    ('spinbot', None)
    """
    tier = rule_id.split(".", 1)[0]
    return tier if tier in OWN_EVIDENCE_TIERS else None


def lift_rule(rule_id: str, confidence: float, evidence: float,
              tier_evidence: dict[str, float]) -> float:
    """A rule's confidence lifted by the document's evidence: a rule of an
    ``OWN_EVIDENCE_TIERS`` tier by its own family's evidence (``tier_evidence``), any other by
    all of it (``evidence``).

    >>> round(lift_rule("spinbot.amid", 0.25, 1.0, {"spinbot": 0.0}), 2)
    0.25
    """
    tier = own_tier(rule_id)
    return lift(confidence, evidence if tier is None else tier_evidence[tier])


def spin_evidence(signature_hits: int, n_words: int) -> float:
    """Posterior probability that a document with these counts is spun (0..1)."""
    if n_words <= 0:
        return 0.0
    log_odds = (math.log(PRIOR_SPUN / (1 - PRIOR_SPUN))
                + signature_hits * math.log(RATE_SPUN / RATE_CLEAN)
                - n_words * (RATE_SPUN - RATE_CLEAN))
    if log_odds > 40:
        return 1.0
    if log_odds < -40:
        return 0.0
    return 1 / (1 + math.exp(-log_odds))


def lift(confidence: float, evidence: float, factor: float = LIFT) -> float:
    """Raise an edit's confidence by the document evidence (odds times up to ``factor``).

    Only evidence *above the prior* lifts: a short text with no signature phrase has a
    posterior just under ``PRIOR_SPUN``, which says nothing about it being spun, and must
    not push an ambiguous rule ("stated" -> "said", 0.45) over the threshold; nor may the
    few words a restoration removes (which raise that posterior a little) change what a
    second restoration does.

    >>> lift(0.45, spin_evidence(0, 10)) == 0.45
    True
    """
    gain = (evidence - PRIOR_SPUN) / (1 - PRIOR_SPUN)
    if confidence >= 1.0 or gain <= 0.0:
        return confidence
    odds = confidence / (1 - confidence) * (1 + (factor - 1) * gain)
    return odds / (1 + odds)

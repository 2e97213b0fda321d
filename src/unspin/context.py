"""The context restorer: inverse thesaurus + language model, decided by a noisy channel.

For every word (or two-word phrase) ``w`` the lexicon knows, each candidate original ``o``
is weighed against keeping ``w``::

    log-odds(o) = [log P_LM(context with o) - log P_LM(context with w)]   # fluency gain
                + log P(w | o)                                            # channel (lexicon)
                + logit(rho)                                              # spin prior
                - keep_bias

where ``rho = floor + evidence * spin_rate`` is the prior that a word of this document was
spun: ``doc.evidence`` (from the rule table's signature phrases) lifts it, so on clean text
(evidence 0) the stage almost never fires. Spinners are consistent within a document, so the
fluency gains of all occurrences of the same spun form are summed and one choice is made per
form. An edit's confidence is ``sigmoid(log-odds)``; edits below ``threshold`` are not
proposed.

Never touched: ``doc.protected`` spans, spans already proposed by earlier stages (the rule
table), numbers, capitalised words not at a sentence start (names), very common function words.

>>> stage = LexiconStage(mode="fast")
>>> doc = Document("The plan will convey food to the regions in need.", evidence=1.0)
>>> [(e.original, e.replacement) for e in stage.propose(doc)]
[('convey', 'bring')]
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass
from typing import Sequence

from .casing import transfer_case
from .document import Document
from .edits import Edit
from .lexicon import Lexicon, default_lexicon
from .lm import NgramScorer, Scorer, ScorerUnavailable, get_scorer, lm_token_spans
from .text import overlaps

# Function words a spinner leaves alone (and whose "synonyms" would be noise).
STOPWORDS = frozenset("""
a an the and or but if of to in on at by for with from as is are was were be been being am
it its it's this that these those he she they we you i me him her them us my your his their our
not no nor so than then there here who whom whose which what when where why how all any each
do does did done have has had having will would shall should can could may might must
also just only very more most such same other own too again once up down out off over into
about after before between through during without within upon against among
one two three first new many much some few
""".split())


DEFAULT_KEEP_BIAS = 2.0  # the calibration was fitted at this keep-bias
# Logistic calibration of the per-form decision, fitted by `data/fit_decision.py --docs 100`
# (90k decisions on synthetic spins of held-out documents that no dev set uses, and on the
# same documents unspun). ``calibration={}`` uses the hand-set formula instead.
DEFAULT_CALIBRATION: dict | None = {
    "gain": 0.1934,
    "log_prior": 0.8465,
    "spin_logit": 0.8552,
    "freq_ratio": 0.3682,
    "phrase": -1.4073,
    "log_occ": -0.2632,
    "margin": 0.1671,
    "bias": 0.2589,
}


@dataclass
class _Slot:
    start: int          # character span in the document
    end: int
    tok_lo: int         # LM-token index range [tok_lo, tok_hi)
    tok_hi: int
    spun: str           # folded spun form
    cands: list         # [(original, prior, provenance)]


def _variant(a: str, b: str) -> bool:
    """Spelling or inflection variants ("defenses"/"defence", "neighboring"/"neighbouring"):
    never a spinner's substitution, so never an edit."""
    if abs(len(a) - len(b)) > 2 or a[:3] != b[:3]:
        return False
    # Levenshtein distance <= 2, early exit
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        if min(cur) > 2:
            return False
        prev = cur
    return prev[-1] <= 2


@lru_cache(maxsize=200_000)
def _words_of(phrase: str) -> list[str]:
    # Candidates repeat across slots and documents: split each once.
    return phrase.split(" ")


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class LexiconStage:
    """Proposes ``source="lexicon"`` edits from the inverse thesaurus, scored by an LM.

    Options: ``mode`` ("fast": trigram model, "accurate": SmolLM2-135M reranks the fast tier's
    shortlist); ``threshold`` (least confidence to propose); ``spin_rate`` (share of words a
    spinner changes in a surely spun document); ``floor`` (spin prior with no evidence);
    ``keep_bias`` (nats in favour of the input); ``max_candidates`` per slot;
    ``use_model=False`` ranks by the channel prior alone (no LM), with a stricter bias.
    """

    name = "lexicon"

    def __init__(self, mode: str = "fast", threshold: float = 0.5, *, spin_rate: float = 0.3,
                 floor: float = 0.002, keep_bias: float = 2.5, max_candidates: int = 12,
                 lexicon: Lexicon | None = None, scorer: Scorer | None = None,
                 use_model: bool = True, shortlist: int = 2, min_evidence: float = 0.0,
                 joint: bool = True, joint_k: int = 4, joint_penalty: float = 1.0,
                 term_bonus: float = 3.0, lm_weight: float = 0.9, phrase_penalty: float = 2.0,
                 accurate_gate: float = -3.0, calibration: dict | None = None,
                 term_spin_prior: float = 0.3, pps_spin_rate: float = 0.03):
        if mode not in ("fast", "accurate"):
            raise ValueError(f"mode must be 'fast' or 'accurate', not {mode!r}")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], not {threshold}")
        self.mode = mode
        self.threshold = threshold
        self.spin_rate = spin_rate
        self.floor = floor
        self.keep_bias = keep_bias
        self.max_candidates = max_candidates
        self.use_model = use_model
        self.shortlist = shortlist
        self.min_evidence = min_evidence
        self.joint = joint
        self.joint_k = joint_k
        self.joint_penalty = joint_penalty
        self.term_bonus = term_bonus
        self.lm_weight = lm_weight
        self.phrase_penalty = phrase_penalty
        self.accurate_gate = accurate_gate
        self.calibration = DEFAULT_CALIBRATION if calibration is None else (calibration or None)
        self.last_features: dict = {}
        self.term_spin_prior = term_spin_prior
        self.pps_spin_rate = pps_spin_rate
        self._term_hits: set = set()
        self._lexicon = lexicon
        self._scorer = scorer
        self._neural = None

    # lazily built parts -----------------------------------------------------------------
    @property
    def ngram(self) -> NgramScorer:
        if self._scorer is None:
            self._scorer = get_scorer("fast")
        return self._scorer  # type: ignore[return-value]

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            ng = self.ngram
            ng.ensure_loaded()
            base = default_lexicon()
            self._lexicon = Lexicon(base.path, known=lambda w: ng.count(w) > 0)
            self._lexicon._data = base.data
        return self._lexicon

    @property
    def neural(self):
        if self._neural is None:
            self._neural = get_scorer("accurate")
            self._neural.ensure_loaded()
        return self._neural

    # slots ------------------------------------------------------------------------------
    def _slots(self, doc: Document, toks) -> list[_Slot]:
        text = doc.text
        blocked = sorted(list(doc.protected) + [(e.start, e.end) for e in doc.proposals])
        lex = self.lexicon

        def free(s: int, e: int) -> bool:
            return not overlaps(s, e, blocked)

        def editable(i: int) -> bool:
            s, e, t = toks[i]
            if t in ("<s>", "<num>") or not t[:1].isalpha():
                return False
            raw = text[s:e]
            if raw[:1].isupper():
                if raw.isupper() and len(raw) > 1:
                    return False
                if i == 0 or toks[i - 1][2] != "<s>":
                    return False  # capitalised mid-sentence: a name
            return True

        slots: list[_Slot] = []
        n = len(toks)
        for i in range(n):
            if not editable(i):
                continue
            s, e, t = toks[i]
            # two-word spun phrases first ("demanding situations")
            if i + 1 < n and editable(i + 1):
                s2, e2, t2 = toks[i + 1]
                if text[e:s2] == " " and free(s, e2):
                    phrase = f"{t} {t2}"
                    c = lex.candidates(phrase, self.max_candidates)
                    if c:
                        slots.append(_Slot(s, e2, i, i + 2, phrase, c))
            if t in STOPWORDS or len(t) < 3 or not free(s, e):
                continue
            c = lex.candidates(t, self.max_candidates)
            c = [x for x in c if (x[0] not in STOPWORDS or " " in x[0]) and not _variant(t, x[0])]
            if c:
                slots.append(_Slot(s, e, i, i + 1, t, c))
        return slots

    # decision ---------------------------------------------------------------------------
    def spin_prior(self, evidence: float, rate: float | None = None) -> float:
        """Prior that one word of a document with this evidence was spun."""
        rate = self.spin_rate if rate is None else rate
        return min(0.9, self.floor + max(evidence, self.min_evidence) * rate)

    def doc_spin_rate(self, doc: Document) -> float:
        """The spin rate the evidence implies: tortured-phrase (``pps``) rule hits point to a
        spinner that changes terms, not a third of all words, so they imply ``pps_spin_rate``."""
        rule_ids = [e.rule_id for e in doc.proposals if e.source == "rule"]
        if not rule_ids:
            return self.spin_rate
        share = sum(1 for r in rule_ids if r.startswith("pps")) / len(rule_ids)
        return self.spin_rate * (1 - share) + self.pps_spin_rate * share

    def propose(self, doc: Document) -> list[Edit]:
        """Candidate edits for ``doc`` (one choice per spun form, confidence-scored)."""
        prior_logit = _logit(self.spin_prior(doc.evidence, self.doc_spin_rate(doc))) \
            - self.keep_bias
        edits: list[Edit] = []
        for sl, o, lo, prov in self.decide(doc, prior_logit):
            conf = _sigmoid(lo)
            if conf < self.threshold:
                continue
            orig = doc.text[sl.start:sl.end]
            rep = transfer_case(orig, o)
            if rep == orig:
                continue
            rid = "lexicon:" + prov.split("+")[0] + (":" + self.mode if self.mode != "fast" else "")
            edits.append(Edit(sl.start, sl.end, orig, rep, "lexicon", rid, round(conf, 4)))
        return _drop_overlaps(edits)

    def decide(self, doc: Document, prior_logit: float) -> list[tuple[_Slot, str, float, str]]:
        """Every slot with its best candidate and that candidate's log-odds against keeping.

        One choice per spun form: the fluency gains of its occurrences are pooled.
        """
        toks = lm_token_spans(doc.text)
        if not toks:
            return []
        slots = self._slots(doc, toks)
        if not slots:
            return []
        names = [t for _, _, t in toks]
        slots = self._drop_term_slots(names, slots)
        if not slots:
            return []
        if self.use_model:
            items = []
            for sl in slots:
                left = names[max(0, sl.tok_lo - 2):sl.tok_lo]
                right = names[sl.tok_hi:sl.tok_hi + 2]
                opts = [names[sl.tok_lo:sl.tok_hi]] + [_words_of(o) for o, _, _ in sl.cands]
                items.append((left, opts, right))
            scores = self.ngram.score_batch(items)
            gains = [[self.lm_weight * (x - sc[0]) for x in sc[1:]] for sc in scores]
            self._term_hits: set = set()
            if self.term_bonus:
                self._add_term_bonus(names, slots, gains)
            if self.mode == "accurate":
                gains = self._rerank(doc, toks, slots, gains, prior_logit)
        else:
            gains = [[0.0] * len(sl.cands) for sl in slots]

        by_form: dict[str, list[int]] = {}
        for k, sl in enumerate(slots):
            by_form.setdefault(sl.spun, []).append(k)
        choice: dict[str, tuple[str, float, str]] = {}
        self.last_features = {}
        spin_logit = prior_logit + self.keep_bias
        for form, ks in by_form.items():
            ranked = []
            for j, (o, prior, prov) in enumerate(slots[ks[0]].cands):
                g = sum(gains[k][j] for k in ks if j < len(gains[k]))
                # occurrences add evidence, with diminishing weight (their contexts correlate)
                g = g / math.sqrt(len(ks))
                lo = g + math.log(max(prior, 1e-6)) + prior_logit
                if " " in form:
                    lo -= self.phrase_penalty
                if not self.use_model:
                    lo -= 2.0
                if (self.term_spin_prior and "pps" in prov
                        and all((k, j) in self._term_hits for k in ks)):
                    # an attested tortured-phrase substitution that completes a known term
                    # is its own evidence of spinning, even in a document without signatures
                    boost = max(0.0, _logit(self.term_spin_prior) - spin_logit)
                    lo += boost
                else:
                    boost = 0.0
                ranked.append((lo, g, j, o, prior, prov, boost))
            if not ranked:
                continue
            ranked.sort(reverse=True)
            lo, g, j, o, prior, prov, boost = ranked[0]
            if self.use_model:
                # the margin over the runner-up, without the term boost
                x = self._features(form, o, g, prior, spin_logit + boost, len(ks),
                                   lo - boost - max((r[0] - r[6] for r in ranked[1:]),
                                                    default=lo - boost - 10.0))
                self.last_features[form] = x
            if self.calibration is not None and self.use_model:
                cal = self.calibration
                lo = cal["bias"] + sum(cal[k] * v for k, v in x.items()) \
                    - (self.keep_bias - DEFAULT_KEEP_BIAS)
            choice[form] = (o, lo, prov)
        out = [(sl,) + choice[sl.spun] for sl in slots]
        if self.use_model and self.joint:
            out += self._joint(doc, names, slots, gains, prior_logit)
        return out

    def _features(self, form: str, o: str, g: float, prior: float, spin_logit: float,
                  n_occ: int, margin: float) -> dict:
        """Inputs of the calibrated decision (see ``data/fit_decision.py``)."""
        ng = self.ngram

        def count(phrase: str) -> int:
            return min(ng.count(p) for p in phrase.split(" "))

        return {
            "gain": g,
            "log_prior": math.log(max(prior, 1e-6)),
            "spin_logit": spin_logit,
            "freq_ratio": math.log((count(o) + 1) / (count(form) + 1)),
            "phrase": 1.0 if " " in form or " " in o else 0.0,
            "log_occ": math.log(n_occ),
            "margin": min(margin, 10.0),
        }

    def _drop_term_slots(self, names, slots):
        """Leave alone words that already form a known term with a neighbour, and spun
        phrases that are themselves known terms ("magnetic field", "atomic number")."""
        terms = self.lexicon.terms
        if not terms:
            return slots
        out = []
        for sl in slots:
            if sl.tok_hi - sl.tok_lo == 2:
                if sl.spun in terms and sl.spun not in self.lexicon_signatures:
                    continue
            else:
                w = names[sl.tok_lo]
                left = names[sl.tok_lo - 1] if sl.tok_lo > 0 else ""
                right = names[sl.tok_hi] if sl.tok_hi < len(names) else ""
                if f"{left} {w}" in terms or f"{w} {right}" in terms:
                    continue
            out.append(sl)
        return out

    lexicon_signatures: frozenset = frozenset()

    def _add_term_bonus(self, names, slots, gains) -> None:
        """Reward a candidate that completes a known two-word term with a neighbour."""
        terms = self.lexicon.terms
        if not terms:
            return
        for k, sl in enumerate(slots):
            if sl.tok_hi != sl.tok_lo + 1:
                continue
            left = names[sl.tok_lo - 1] if sl.tok_lo > 0 else ""
            right = names[sl.tok_hi] if sl.tok_hi < len(names) else ""
            w = names[sl.tok_lo]
            for j, (o, _, _) in enumerate(sl.cands):
                if f"{left} {o}" in terms or f"{o} {right}" in terms:
                    gains[k][j] += self.term_bonus
                    self._term_hits.add((k, j))

    def _joint(self, doc, names, slots, gains, prior_logit):
        """Two adjacent spun words replaced together ("huge information" -> "big data").

        The fluency of a pair of originals is scored jointly; the spin prior is paid once
        plus ``joint_penalty`` for the second word (a spinner tortures a term as a unit).
        """
        text = doc.text
        single = {sl.tok_lo: k for k, sl in enumerate(slots) if sl.tok_hi == sl.tok_lo + 1}
        items, meta = [], []
        for ka_lo, ka in single.items():
            kb = single.get(ka_lo + 1)
            if kb is None:
                continue
            a, b = slots[ka], slots[kb]
            if text[a.end:b.start] != " " or f"{a.spun} {b.spun}" in self.lexicon.terms:
                continue

            def top(k, sl):
                order = sorted(range(len(sl.cands)),
                               key=lambda j: -(gains[k][j] + math.log(max(sl.cands[j][1], 1e-6))))
                return order[: self.joint_k]

            ta, tb = top(ka, a), top(kb, b)
            combos = [(i, j) for i in ta for j in tb]
            left = names[max(0, a.tok_lo - 2):a.tok_lo]
            right = names[b.tok_hi:b.tok_hi + 2]
            opts = [[names[a.tok_lo], names[b.tok_lo]]]
            opts += [a.cands[i][0].split(" ") + b.cands[j][0].split(" ") for i, j in combos]
            items.append((left, opts, right))
            meta.append((a, b, combos))
        if not items:
            return []
        scores = self.ngram.score_batch(items)
        terms = self.lexicon.terms
        by_form: dict[str, list] = {}
        for (a, b, combos), sc in zip(meta, scores):
            by_form.setdefault(a.spun + " " + b.spun, []).append((a, b, combos, sc))
        out = []
        for form, occ in by_form.items():
            a0, b0, combos, _ = occ[0]
            best = None
            for c, (i, j) in enumerate(combos):
                if f"{a0.cands[i][0]} {b0.cands[j][0]}" not in terms:
                    continue  # joint edits only restore known terms ("big data")
                g = self.lm_weight * sum(sc[c + 1] - sc[0] for _, _, _, sc in occ) / math.sqrt(len(occ))
                lo = (g + math.log(max(a0.cands[i][1], 1e-6)) + math.log(max(b0.cands[j][1], 1e-6))
                      + prior_logit - self.joint_penalty)
                if f"{a0.cands[i][0]} {b0.cands[j][0]}" in terms:
                    lo += self.term_bonus
                if best is None or lo > best[0]:
                    best = (lo, i, j)
            if best is None:
                continue
            lo, i, j = best
            for a, b, _, _ in occ:
                sl = _Slot(a.start, b.end, a.tok_lo, b.tok_hi, form, [])
                o = a0.cands[i][0] + " " + b0.cands[j][0]
                prov = a0.cands[i][2] if "pps" in a0.cands[i][2] else b0.cands[j][2]
                out.append((sl, o, lo, prov))
        return out

    def _rerank(self, doc, toks, slots, gains, prior_logit) -> list[list[float]]:
        """Accurate tier: re-score the fast tier's plausible shortlist with the neural LM.

        Only slots whose best fast-tier log-odds exceeds ``accurate_gate`` are re-scored
        (at most ``shortlist`` candidates each); the others keep their fast-tier gains.
        """
        neural = self.neural
        text = doc.text
        raw = [text[s:e] if t != "<s>" else "<s>" for s, e, t in toks]
        items, index = [], []
        for k, sl in enumerate(slots):
            los = [gains[k][j] + math.log(max(sl.cands[j][1], 1e-6)) + prior_logit
                   for j in range(len(sl.cands))]
            order = sorted(range(len(sl.cands)), key=lambda j: -los[j])[: self.shortlist]
            order = [j for j in order if los[j] > self.accurate_gate]
            if not order:
                continue
            lo = sl.tok_lo
            s0 = lo
            while s0 > 0 and raw[s0 - 1] != "<s>" and lo - s0 < 16:
                s0 -= 1
            left = raw[s0:lo]
            right = [r for r in raw[sl.tok_hi:sl.tok_hi + 6] if r != "<s>"][:5]
            spun_raw = text[sl.start:sl.end]
            opts = [[spun_raw]] + [[transfer_case(spun_raw, sl.cands[j][0])] for j in order]
            items.append((left, opts, right))
            index.append((k, order))
        scores = neural.score_batch(items) if items else []
        out = [list(g) for g in gains]
        for (k, order), sc in zip(index, scores):
            for j, x in zip(order, sc[1:]):
                out[k][j] = self.lm_weight * (x - sc[0])
        return out


def _drop_overlaps(edits: Sequence[Edit]) -> list[Edit]:
    """Most confident first; an edit overlapping a kept one is dropped."""
    kept: list[Edit] = []
    for e in sorted(edits, key=lambda e: (-e.confidence, -(e.end - e.start), e.start)):
        if any(e.start < k.end and k.start < e.end for k in kept):
            continue
        kept.append(e)
    return sorted(kept)

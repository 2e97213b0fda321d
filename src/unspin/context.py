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

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from .casing import transfer_case
from .document import Document
from .edits import Edit
from .evidence import PRIOR_SPUN, SEED_GATE_EVIDENCE, seed_rule_fired
from .lexicon import Lexicon, default_lexicon
from .lm import NgramScorer, Scorer, cached_token_spans, get_scorer
from .text import free_test, spelling_variant

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
    cands: tuple        # ((original, prior, provenance), ...)
    cand_ids: tuple | None = None  # the candidates' n-gram ids, once scored


@dataclass
class _Gains:
    """Fluency gains of every slot's candidates, flat: slot ``k``'s are
    ``flat[starts[k]:starts[k] + counts[k]]`` (one array, not a list per slot)."""
    flat: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def zeros(cls, slots) -> "_Gains":
        counts = np.array([len(sl.cands) for sl in slots], dtype=np.int64)
        return cls(np.zeros(int(counts.sum())), np.cumsum(counts) - counts, counts)

    @classmethod
    def from_lists(cls, rows: list[list[float]]) -> "_Gains":
        counts = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64,
                           count=int(counts.sum()))
        return cls(flat, np.cumsum(counts) - counts, counts)

    def row(self, k: int) -> list[float]:
        s = int(self.starts[k])
        return self.flat[s:s + int(self.counts[k])].tolist()

    def lists(self) -> list[list[float]]:
        return [self.row(k) for k in range(len(self.counts))]


def _abbreviation(short: str, long: str) -> bool:
    """Whether ``short`` abbreviates ``long`` ("pct"/"percent", "corp"/"corporation"): its
    letters in order, from the same first letter. Newswire writes them on purpose; a
    spinner swaps synonyms, so expanding them is never a restoration.

    >>> _abbreviation("pct", "percent"), _abbreviation("info", "information")
    (True, True)
    >>> _abbreviation("aid", "assistance"), _abbreviation("task", "tasks")
    (False, False)
    """
    if not (2 <= len(short) <= 5 and len(long) >= len(short) + 2 and short[0] == long[0]):
        return False
    rest = iter(long)
    return all(c in rest for c in short)


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
    ``use_model=False`` ranks by the channel prior alone (no LM), with a stricter bias;
    ``term_spin_prior``: the spin prior a PPS substitution that completes a known term brings
    by itself, in a document without evidence (0.1: at 0.3 it changed 0.054% of the words of
    clean sentences restored one by one, at 0.1 0.034%, for 0.4 points less exact restoration
    of unseen tortured phrases); ``own_evidence``: the midpoint, scale and least word count of
    :meth:`content_evidence` (``None``: off); ``family_channel``: in text where the seed
    spinner family is evident (:meth:`family_evident`), use the lexicon with that family's
    own substitutions mixed in (:meth:`unspin.lexicon.Lexicon.with_family`).
    """

    name = "lexicon"

    def __init__(self, mode: str = "fast", threshold: float = 0.5, *, spin_rate: float = 0.3,
                 floor: float = 0.002, keep_bias: float = 2.5, max_candidates: int = 10,
                 lexicon: Lexicon | None = None, scorer: Scorer | None = None,
                 use_model: bool = True, shortlist: int = 2, min_evidence: float = 0.0,
                 joint: bool = True, joint_k: int = 2, joint_penalty: float = 1.0,
                 term_bonus: float = 3.0, lm_weight: float = 0.9, phrase_penalty: float = 2.0,
                 accurate_gate: float = -3.0, calibration: dict | None = None,
                 term_spin_prior: float = 0.1, pps_spin_rate: float = 0.03,
                 own_evidence: tuple[float, float, int] | None = (0.075, 0.006, 150),
                 family_channel: bool = True):
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
        self.own_evidence = own_evidence
        self._term_hits: set = set()
        self._memo: tuple | None = None  # the last document's slots and gains (see decide)
        self.family_channel = family_channel
        # per-form caches, one set per channel (with or without the seed family's own)
        self._caches: dict[bool, tuple[dict, dict, dict]] = {False: ({}, {}, {}),
                                                             True: ({}, {}, {})}
        self._family_on = False
        self._cand_cache, self._ids_cache, self._meta_cache = self._caches[False]
        self._parts: tuple[dict, dict] | None = None
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
        free = free_test(text, list(doc.protected) + [(e.start, e.end) for e in doc.proposals])

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
        ok = [editable(i) for i in range(n)]
        get = self._cand_cache.get
        cands = self._cands
        for i in range(n):
            if not ok[i]:
                continue
            s, e, t = toks[i]
            # two-word spun phrases first ("demanding situations")
            if i + 1 < n and ok[i + 1]:
                s2, e2, t2 = toks[i + 1]
                if text[e:s2] == " " and free(s, e2):
                    pair = f"{t} {t2}"
                    c = get(pair)
                    if c is None:
                        c = cands(pair)
                    if c:
                        slots.append(_Slot(s, e2, i, i + 2, pair, c))
            if t in STOPWORDS or len(t) < 3 or not free(s, e):
                continue
            c = get(t)
            if c is None:
                c = cands(t)
            if c:
                slots.append(_Slot(s, e, i, i + 1, t, c))
        return slots

    def family_evident(self, doc: Document) -> bool:
        """Whether the seed spinner family is evident in ``doc``, as the model stage asks: a
        seed-tier rule fired and the document's evidence reaches
        ``evidence.SEED_GATE_EVIDENCE``. There the lexicon reads that family's own channel
        ("conferences" <- "meetings")."""
        return (self.family_channel and doc.evidence >= SEED_GATE_EVIDENCE
                and seed_rule_fired(doc.proposals))

    def _use_family(self, on: bool) -> None:
        if on != self._family_on:
            self._family_on = on
            self._cand_cache, self._ids_cache, self._meta_cache = self._caches[on]

    def _cands(self, form: str) -> tuple:
        """Candidates of a spun word or phrase, filtered (cached per stage: forms repeat)."""
        cache = self._cand_cache
        c = cache.get(form)
        if c is None:
            lex = self.lexicon.with_family() if self._family_on else self.lexicon
            c = lex.candidates(form, self.max_candidates)
            if " " not in form:
                c = [x for x in c if (x[0] not in STOPWORDS or " " in x[0])
                     and not spelling_variant(form, x[0]) and not _abbreviation(form, x[0])]
            c = tuple(c)  # cached for the process: tuples stay out of the GC's walks
            if len(cache) > 300_000:
                cache.clear()
            cache[form] = c
        return c

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

    def content_evidence(self, doc: Document) -> float:
        """Probability that ``doc`` is spun, from its own words: for text that no signature
        phrase marks (a generic thesaurus spinner leaves none).

        The detector's lexicon screen (:func:`unspin.detect.raw_detect` without rules: the
        expected share of spun words at a neutral prior) through a steep logistic whose
        midpoint clean prose seldom reaches. Measured (raw share): 1,049 clean Reuters
        documents (1 MB) reach at most 0.092 (0.060 from 200 words on), 180 clean held-out
        corpus documents 0.032; the same documents spun by a WordNet thesaurus spinner at
        rate 0.3 have a median of 0.062. At the default (0.075, 0.006, 150 words) the lexicon
        closes 27.3% of the distance on ``dev/generated/synthetic_thesaurus.jsonl`` (0%
        without) at 97.4% token precision, and changes as many words per MB of clean Reuters
        and Wikipedia as without (23 and 20). Only the part above the prior counts (see
        ``evidence.lift``). The screen runs on ``doc`` itself, so :meth:`decide` reuses its
        slots and n-gram gains: clean Wikipedia at 137-144 KB/s against 160 without the
        screen (96-107 when the screen read a fresh copy of the text).
        """
        if self.own_evidence is None:
            return 0.0
        mid, scale, min_words = self.own_evidence
        if doc.n_words < min_words:
            return 0.0
        from .detect import raw_detect  # detect imports this module

        # the fast tier screens for both tiers (the calibration is the fast tier's)
        raw = raw_detect(doc.text, use_rules=False, stage=self if self.mode == "fast" else None,
                         doc=doc)[0]
        # only evidence above the prior counts (as in evidence.lift): a few thousandths from a
        # clean text far below the midpoint tipped a knife-edge choice repeated 130 times in
        # one clean Wikipedia article ("alchemy" -> "chemistry")
        return max(0.0, (_sigmoid((raw - mid) / scale) - PRIOR_SPUN) / (1.0 - PRIOR_SPUN))

    def propose(self, doc: Document) -> list[Edit]:
        """Candidate edits for ``doc`` (one choice per spun form, confidence-scored)."""
        evidence = doc.evidence
        if evidence < 0.9:
            evidence = max(evidence, self.content_evidence(doc))
        prior_logit = _logit(self.spin_prior(evidence, self.doc_spin_rate(doc))) \
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
        toks = cached_token_spans(doc.text)
        if not toks:
            return []
        # the fast tier's slots and n-gram gains do not depend on the prior: a second call on
        # the same document (content_evidence screens it, then propose decides) reuses them
        family = self.family_evident(doc)
        self._use_family(family)
        key = (id(doc), doc.text, len(doc.proposals), family)
        memo = self._memo
        if memo is not None and memo[0] == key and self.mode == "fast":
            _, slots, names, ids, gains, self._term_hits = memo
            if not slots:
                return []
        else:
            slots = self._slots(doc, toks)
            names = [t for _, _, t in toks]
            if slots:
                slots = self._drop_term_slots(names, slots)
            ids, gains = None, None
            self._term_hits = set()
            if slots and self.use_model:
                ids = self.ngram.ids(names)
                gains = self._gains(ids, slots)
                if self.term_bonus:
                    self._add_term_bonus(names, slots, gains)
            self._memo = (key, slots, names, ids, gains, self._term_hits)
            if not slots:
                return []
        if self.use_model:
            if self.mode == "accurate":
                gains = _Gains.from_lists(self._rerank(doc, toks, slots, gains.lists(),
                                                       prior_logit))
        else:
            gains = _Gains.zeros(slots)

        choice = self._choose(slots, gains, prior_logit)
        out = [(sl,) + choice[sl.spun] for sl in slots]
        if self.use_model and self.joint:
            out += self._joint(doc, ids, slots, gains, prior_logit)
        return out

    def _score(self, ids: list[int], spans, blocks) -> np.ndarray:
        """N-gram log-probabilities of options filling token spans: ``blocks[k]`` is the
        ``(matrix, lens)`` of span ``k``'s options. Returns all scores, flat, in order."""
        ng = self.ngram
        P = np.array([1, 1] + ids + [-1, -1], dtype=np.int64)  # <s> pad left, none right
        lo = np.array([a for a, _ in spans], dtype=np.int64)
        hi = np.array([b for _, b in spans], dtype=np.int64)
        L = np.stack([P[lo], P[lo + 1]], axis=1)
        R = np.stack([P[hi + 2], P[hi + 3]], axis=1)
        # slots of one form share one block object: stack each distinct block once
        which: dict[int, int] = {}
        uniq: list = []
        slot_u = np.empty(len(blocks), dtype=np.int64)
        for k, blk in enumerate(blocks):
            u = which.get(id(blk[1]))
            if u is None:
                u = which[id(blk[1])] = len(uniq)
                uniq.append(blk)
            slot_u[k] = u
        ucount = np.array([len(ln) for _, ln in uniq], dtype=np.int64)
        width = max(m.shape[1] for m, _ in uniq)
        umat = np.full((int(ucount.sum()), width), -1, dtype=np.int64)
        pos = 0
        for m, ln in uniq:
            umat[pos:pos + len(ln), :m.shape[1]] = m
            pos += len(ln)
        ulens = np.concatenate([ln for _, ln in uniq])
        ustart = np.cumsum(ucount) - ucount
        counts = ucount[slot_u]
        first = np.cumsum(counts) - counts
        src = np.repeat(ustart[slot_u] - first, counts) + np.arange(int(counts.sum()))
        rows = np.repeat(np.arange(len(blocks)), counts)
        return ng.score_ids(L, R, rows, umat[src], ulens[src])

    def _form_block(self, sl: _Slot, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The option matrix of a slot's form: its own ids, then its candidates' (cached:
        both depend on the form alone); sets ``sl.cand_ids``."""
        cache = self._ids_cache
        hit = cache.get(sl.spun)
        if hit is None:
            pid = self.ngram.phrase_ids
            cand_ids = tuple(pid(o) for o, _, _ in sl.cands)
            hit = (cand_ids,) + self.ngram.option_matrix(
                [tuple(ids[sl.tok_lo:sl.tok_hi]), *cand_ids])
            if len(cache) > 300_000:
                cache.clear()
            cache[sl.spun] = hit
        sl.cand_ids = hit[0]
        return hit[1], hit[2]

    def _gains(self, ids: list[int], slots) -> _Gains:
        """Fluency gain (weighted nats) of each candidate over the spun form, per slot."""
        blocks = [self._form_block(sl, ids) for sl in slots]
        sc = self._score(ids, [(sl.tok_lo, sl.tok_hi) for sl in slots], blocks)
        counts = np.array([len(ln) for _, ln in blocks], dtype=np.int64)
        first = np.cumsum(counts) - counts
        g = self.lm_weight * (sc - np.repeat(sc[first], counts))
        keep = np.ones(len(g), dtype=bool)
        keep[first] = False                  # drop each slot's own (spun) option
        ncand = counts - 1
        return _Gains(g[keep], np.cumsum(ncand) - ncand, ncand)

    def _choose(self, slots, gains: _Gains, prior_logit: float) -> dict[str, tuple[str, float, str]]:
        """One choice per spun form: its best candidate and that candidate's log-odds.

        Vectorised over every (form, candidate): the occurrences' gains are pooled with
        weight ``1/sqrt(n)`` (their contexts correlate), the channel prior and the spin
        prior are added, and ties go to the larger gain, then the later candidate.
        """
        fid_of: dict[str, int] = {}
        firsts: list[int] = []
        fid = np.empty(len(slots), dtype=np.int64)
        for k, sl in enumerate(slots):
            f = fid_of.get(sl.spun)
            if f is None:
                f = fid_of[sl.spun] = len(firsts)
                firsts.append(k)
            fid[k] = f
        n_forms = len(firsts)
        ncand = np.array([len(slots[k].cands) for k in firsts], dtype=np.int64)
        form_off = np.cumsum(ncand) - ncand
        G, starts, counts = gains.flat, gains.starts, gains.counts
        j_in = np.arange(len(G)) - np.repeat(starts, counts)
        u = np.repeat(form_off[fid], counts) + j_in          # (form, candidate) index
        total = int(ncand.sum())
        occ = np.bincount(fid, minlength=n_forms)
        form_of_u = np.repeat(np.arange(n_forms), ncand)
        pooled = np.bincount(u, weights=G, minlength=total)
        pooled = pooled / np.sqrt(occ[form_of_u])
        meta = [self._form_meta(slots[k]) for k in firsts]  # (log priors, is-pps, tuple)
        logprior = np.concatenate([m[0] for m in meta])
        is_pps = np.concatenate([m[1] for m in meta])
        is_phrase = np.array([" " in slots[k].spun for k in firsts])[form_of_u]
        lo = pooled + logprior + prior_logit - self.phrase_penalty * is_phrase
        if not self.use_model:
            lo -= 2.0
        spin_logit = prior_logit + self.keep_bias
        boost = np.zeros(total)
        if self.term_spin_prior and self._term_hits:
            # an attested tortured-phrase substitution that completes a known term at every
            # occurrence is its own evidence of spinning, even without signatures
            hit_rows = np.array([starts[k] + j for k, j in self._term_hits], dtype=np.int64)
            hits = np.bincount(u[hit_rows], minlength=total)
            bv = max(0.0, _logit(self.term_spin_prior) - spin_logit)
            boost = np.where(is_pps & (hits == occ[form_of_u]), bv, 0.0)
            lo = lo + boost
        j_form = np.arange(total) - form_off[form_of_u]
        order = np.lexsort((-j_form, -pooled, -lo, form_of_u))
        best = order[form_off]                     # first row of each form's run
        lnb = lo - boost
        order2 = np.lexsort((-lnb, form_of_u))
        top1, top2 = order2[form_off], order2[np.minimum(form_off + 1, total - 1)]
        runner = np.where(top1 == best, np.where(ncand > 1, lnb[top2], -np.inf), lnb[top1])
        choice: dict[str, tuple[str, float, str]] = {}
        self.last_features = {}
        cal = self.calibration if self.use_model else None
        for f, k in enumerate(firsts):
            r = int(best[f])
            o, prior, prov = slots[k].cands[r - int(form_off[f])]
            x_lo = float(lo[r])
            if self.use_model:
                margin = float(lnb[r] - runner[f]) if ncand[f] > 1 else 10.0
                x = self._features(slots[k].spun, o, float(pooled[r]), prior,
                                   spin_logit + float(boost[r]), int(occ[f]), margin)
                self.last_features[slots[k].spun] = x
                if cal is not None:
                    x_lo = cal["bias"] + sum(cal[key] * v for key, v in x.items()) \
                        - (self.keep_bias - DEFAULT_KEEP_BIAS)
            choice[slots[k].spun] = (o, x_lo, prov)
        return choice

    def _form_meta(self, sl: _Slot) -> tuple[np.ndarray, np.ndarray, tuple]:
        """Log channel priors and "is a PPS substitution" flags of a form's candidates (and
        the log priors as a tuple)."""
        hit = self._meta_cache.get(sl.spun)
        if hit is None:
            if len(self._meta_cache) > 300_000:
                self._meta_cache.clear()
            logp = tuple(math.log(max(c[1], 1e-6)) for c in sl.cands)
            hit = self._meta_cache[sl.spun] = (
                np.array(logp, dtype=np.float64),
                np.array(["pps" in c[2] for c in sl.cands], dtype=bool), logp)
        return hit

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

    def _term_parts(self) -> tuple[dict, dict]:
        """The known two-word terms by first word (-> second words) and by second word.

        Only terms of two content words: "as well" or "of the" (WordNet and PPS list such
        pairs) are no evidence of a tortured term ("as good as" -> "as well as" in clean text).
        """
        if self._parts is None:
            by_first: dict[str, set] = {}
            by_second: dict[str, set] = {}
            for t in self.lexicon.terms:
                if " " in t:
                    a, b = t.split(" ", 1)
                    if a in STOPWORDS or b in STOPWORDS:
                        continue
                    by_first.setdefault(a, set()).add(b)
                    by_second.setdefault(b, set()).add(a)
            self._parts = (by_first, by_second)
        return self._parts

    def _add_term_bonus(self, names, slots, gains: _Gains) -> None:
        """Reward a candidate that completes a known two-word term with a neighbour."""
        terms = self.lexicon.terms
        if not terms:
            return
        firsts, seconds = self._term_parts()
        for k, sl in enumerate(slots):
            if sl.tok_hi != sl.tok_lo + 1:
                continue
            after = firsts.get(names[sl.tok_lo - 1]) if sl.tok_lo > 0 else None
            before = seconds.get(names[sl.tok_hi]) if sl.tok_hi < len(names) else None
            if after is None and before is None:
                continue
            after = after or ()
            before = before or ()
            for j, (o, _, _) in enumerate(sl.cands):
                if o in after or o in before:
                    gains.flat[gains.starts[k] + j] += self.term_bonus
                    self._term_hits.add((k, j))

    def _joint(self, doc, ids, slots, gains: _Gains, prior_logit):
        """Two adjacent spun words replaced together ("huge information" -> "big data").

        The fluency of a pair of originals is scored jointly; the spin prior is paid once
        plus ``joint_penalty`` for the second word (a spinner tortures a term as a unit).
        """
        text = doc.text
        terms = self.lexicon.terms
        firsts, seconds = self._term_parts()
        single = {sl.tok_lo: k for k, sl in enumerate(slots) if sl.tok_hi == sl.tok_lo + 1}

        def top(k, sl):
            lp = self._form_meta(sl)[2]
            neg = [-(g + p) for g, p in zip(gains.row(k), lp)]
            return sorted(range(len(neg)), key=neg.__getitem__)[: self.joint_k]

        # occurrences of one spun pair share one set of candidate pairs (from the first)
        by_form: dict[str, tuple[list, list]] = {}
        for ka_lo, ka in single.items():
            kb = single.get(ka_lo + 1)
            if kb is None:
                continue
            a, b = slots[ka], slots[kb]
            if text[a.end:b.start] != " ":
                continue
            form = a.spun + " " + b.spun
            if form in by_form:
                by_form[form][1].append((a, b))
                continue
            if form in terms or not (any(c[0] in firsts for c in a.cands)
                                     and any(c[0] in seconds for c in b.cands)):
                continue
            # joint edits only restore known terms ("big data")
            combos = [(i, j) for i in top(ka, a) for j in top(kb, b)
                      if f"{a.cands[i][0]} {b.cands[j][0]}" in terms]
            if combos:
                by_form[form] = (combos, [(a, b)])
        if not by_form:
            return []
        items, spans, owner = [], [], []
        for form, (combos, occ) in by_form.items():
            for a, b in occ:
                ia, ib = a.cand_ids, b.cand_ids
                items.append(self.ngram.option_matrix(
                    [(ids[a.tok_lo], ids[b.tok_lo])] + [ia[i] + ib[j] for i, j in combos]))
                spans.append((a.tok_lo, b.tok_hi))
                owner.append(form)
        flat = self._score(ids, spans, items).tolist()
        per_form: dict[str, list] = {}
        pos = 0
        for form, (_, ln) in zip(owner, items):
            per_form.setdefault(form, []).append(flat[pos:pos + len(ln)])
            pos += len(ln)
        out = []
        for form, (combos, occ) in by_form.items():
            a0, b0 = occ[0]
            scs = per_form[form]
            best = None
            for c, (i, j) in enumerate(combos):
                g = self.lm_weight * sum(sc[c + 1] - sc[0] for sc in scs) / math.sqrt(len(scs))
                lo = (g + math.log(max(a0.cands[i][1], 1e-6)) + math.log(max(b0.cands[j][1], 1e-6))
                      + prior_logit - self.joint_penalty + self.term_bonus)
                if best is None or lo > best[0]:
                    best = (lo, i, j)
            if best is None:
                continue
            lo, i, j = best
            for a, b in occ:
                sl = _Slot(a.start, b.end, a.tok_lo, b.tok_hi, form, ())
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
    import bisect

    if any(e.start == e.end for e in edits):  # insertions: the plain pairwise test
        kept_: list[Edit] = []
        for e in sorted(edits, key=lambda e: (-e.confidence, -(e.end - e.start), e.start)):
            if not any(e.start < k.end and k.start < e.end for k in kept_):
                kept_.append(e)
        return sorted(kept_)
    starts: list[int] = []   # kept spans, sorted by start (they never overlap each other)
    ends: list[int] = []
    kept: list[Edit] = []
    for e in sorted(edits, key=lambda e: (-e.confidence, -(e.end - e.start), e.start)):
        i = bisect.bisect_left(starts, e.end)  # kept spans starting before e ends
        if i and ends[i - 1] > e.start:
            continue
        starts.insert(i, e.start)
        ends.insert(i, e.end)
        kept.append(e)
    # kept spans do not overlap, so (start, end) orders them as Edit's own ordering would
    return sorted(kept, key=lambda e: (e.start, e.end))

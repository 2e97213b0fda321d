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

>>> stage = LexiconStage(mode="fast")                      # doctest: +SKIP
>>> doc = Document("We will paintings with China.", evidence=1.0)
>>> [e.replacement for e in stage.propose(doc)]            # doctest: +SKIP
['work']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .casing import transfer_case
from .document import Document
from .edits import Edit
from .lexicon import Lexicon, default_lexicon
from .lm import NgramScorer, Scorer, ScorerUnavailable, get_scorer, lm_token_spans

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


@dataclass
class _Slot:
    start: int          # character span in the document
    end: int
    tok_lo: int         # LM-token index range [tok_lo, tok_hi)
    tok_hi: int
    spun: str           # folded spun form
    cands: list         # [(original, prior, provenance)]


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
                 floor: float = 0.002, keep_bias: float = 2.0, max_candidates: int = 12,
                 lexicon: Lexicon | None = None, scorer: Scorer | None = None,
                 use_model: bool = True, shortlist: int = 3, min_evidence: float = 0.0):
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
            for bs, be in blocked:
                if bs < e and s < be:
                    return False
            return True

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
            c = [x for x in c if x[0] not in STOPWORDS or " " in x[0]] if t not in STOPWORDS else c
            if c:
                slots.append(_Slot(s, e, i, i + 1, t, c))
        return slots

    # decision ---------------------------------------------------------------------------
    def spin_prior(self, evidence: float) -> float:
        return min(0.9, self.floor + max(evidence, self.min_evidence) * self.spin_rate)

    def propose(self, doc: Document) -> list[Edit]:
        """Candidate edits for ``doc`` (one choice per spun form, confidence-scored)."""
        toks = lm_token_spans(doc.text)
        if not toks:
            return []
        slots = self._slots(doc, toks)
        if not slots:
            return []
        names = [t for _, _, t in toks]
        prior_logit = _logit(self.spin_prior(doc.evidence)) - self.keep_bias

        gains: list[list[float]] = []
        if self.use_model:
            items = []
            for sl in slots:
                left = names[max(0, sl.tok_lo - 2):sl.tok_lo]
                right = names[sl.tok_hi:sl.tok_hi + 2]
                opts = [names[sl.tok_lo:sl.tok_hi]] + [o.split(" ") for o, _, _ in sl.cands]
                items.append((left, opts, right))
            scores = self.ngram.score_batch(items)
            gains = [[x - sc[0] for x in sc[1:]] for sc in scores]
            if self.mode == "accurate":
                gains = self._rerank(doc, toks, slots, gains, prior_logit)
        else:
            gains = [[0.0] * len(sl.cands) for sl in slots]

        # one decision per spun form: sum the fluency gains over its occurrences
        by_form: dict[str, list[int]] = {}
        for k, sl in enumerate(slots):
            by_form.setdefault(sl.spun, []).append(k)
        choice: dict[str, tuple[str, float, str]] = {}
        for form, ks in by_form.items():
            best = None
            cands = slots[ks[0]].cands
            for j, (o, prior, prov) in enumerate(cands):
                g = sum(gains[k][j] for k in ks if j < len(gains[k]))
                # occurrences add evidence, but with diminishing weight (contexts correlate)
                g = g / math.sqrt(len(ks))
                lo = g + math.log(max(prior, 1e-6)) + prior_logit
                if not self.use_model:
                    lo -= 2.0
                if best is None or lo > best[1]:
                    best = (o, lo, prov)
            if best is not None:
                choice[form] = best

        edits: list[Edit] = []
        for sl in slots:
            o, lo, prov = choice[sl.spun]
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

    def _rerank(self, doc, toks, slots, gains, prior_logit) -> list[list[float]]:
        """Accurate tier: re-score the fast tier's shortlist per slot with the neural LM."""
        try:
            neural = self.neural
        except ScorerUnavailable:
            raise
        text = doc.text
        raw = [text[s:e] if t != "<s>" else "<s>" for s, e, t in toks]
        items, index = [], []
        for k, sl in enumerate(slots):
            order = sorted(range(len(sl.cands)),
                           key=lambda j: -(gains[k][j] + math.log(max(sl.cands[j][1], 1e-6))))
            order = [j for j in order[: self.shortlist]
                     if gains[k][j] + math.log(max(sl.cands[j][1], 1e-6)) + prior_logit > -8.0]
            if not order:
                continue
            lo = sl.tok_lo
            s0 = lo
            while s0 > 0 and raw[s0 - 1] != "<s>" and lo - s0 < 30:
                s0 -= 1
            left = raw[s0:lo]
            right = [r for r in raw[sl.tok_hi:sl.tok_hi + 8] if r != "<s>"]
            spun_raw = text[sl.start:sl.end]
            opts = [[spun_raw]] + [[transfer_case(spun_raw, sl.cands[j][0])] for j in order]
            items.append((left, opts, right))
            index.append((k, order))
        scores = neural.score_batch(items) if items else []
        out = [[-1e9] * len(sl.cands) for sl in slots]
        for (k, order), sc in zip(index, scores):
            for j, x in zip(order, sc[1:]):
                out[k][j] = x - sc[0]
        return out


def _drop_overlaps(edits: Sequence[Edit]) -> list[Edit]:
    """Most confident first; an edit overlapping a kept one is dropped."""
    kept: list[Edit] = []
    for e in sorted(edits, key=lambda e: (-e.confidence, -(e.end - e.start), e.start)):
        if any(e.start < k.end and k.start < e.end for k in kept):
            continue
        kept.append(e)
    return sorted(kept)

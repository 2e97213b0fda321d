"""The term restorer: unseen tortured phrases rebuilt word by word and checked as known terms.

A tortured phrase ("magnetic pasture") is a known technical term ("magnetic field") whose words
a spinner swapped one by one. :class:`TermStage` looks at every window of two or three words,
builds candidate originals as products of per-word originals (spinner substitutions learned
from Problematic-Paper-Screener pairs first; a broad inverse thesaurus from WordNet, MyThes
and Moby for the words they miss, one such word per pair; and learned phrase substitutions
such as "gaining knowledge" -> "learning"), and keeps a candidate only when the restored
phrase is a *known term* (attested as a unit in the clean corpora, in a term list, or likely
in SmolLM2's next-word table for terms, :mod:`unspin.term_lm`) while the spun phrase is not.
A small logistic score over these signals and the n-gram gain of the window in context
(``DEFAULT_WEIGHTS``, fitted on the PPS train split by ``data/fit_terms.py``) gives the
confidence; long texts with no tortured phrase the rule table knows need more of it
(:meth:`TermStage.threshold_for`).

The resource (``resources/terms/terms.json.gz``, built by ``data/build_terms.py``; or
``$UNSPIN_TERMS``) and the n-gram counts are loaded on first use.

>>> stage = TermStage()
>>> doc = Document("We describe a new approach based on profound learning for this task.")
>>> [(e.original, e.replacement) for e in stage.propose(doc)]
[('profound', 'deep')]
"""

from __future__ import annotations

import math
import os
import threading
from itertools import product
from typing import Sequence

import numpy as np

from .casing import transfer_case
from .document import Document
from .edits import Edit
from .context import STOPWORDS as _FUNCTION_WORDS
from .lexicon import Lexicon, default_lexicon
from .lm import NgramScorer, cached_token_spans, get_scorer
from .packaged import exists, read_json_gz
from .term_lm import FLOOR as LM_FLOOR
from .term_lm import TermLM
from .term_lm import available as term_lm_available
from .text import count_words, fold, free_test

_DEFAULT = ("terms", "terms.json.gz")

# Function words (the lexicon stage's list): never a spun word of a term, never an original.
STOPWORDS = _FUNCTION_WORDS

# Logistic weights over the features of :meth:`TermStage.features`, fitted by
# ``data/fit_terms.py`` (PPS train split, cross-fitted; clean train-split corpus windows as
# negatives).
DEFAULT_WEIGHTS: dict = {
    "bias": 2.4789,
    "log_unit": -0.0624,
    "log_part": -0.2489,
    "log_unit_spun": -1.4275,
    "term": 3.0067,
    "pps_logp": 1.2653,
    "n_pps": -0.1398,
    "lex_logp": 0.0,
    "n_lex": 0.0,
    "phrase": -2.5933,
    "term_words": 0.0773,
    "n_changed": -1.6086,
    "log_pps_n": 0.7085,
    "spun_zero": 1.3119,
    "log_spun_freq": -0.2265,
    "n_thes": -1.8209,
    "thes_logp": 0.5295,
    "thes_src": 0.5847,
    "pmi": 0.0401,
    "lm_lp": 0.2188,
    "ctx_gain": 0.1307,
    "unknown": -0.7126,
    "known": 0.198,
    "known_kept": 0.8864,
    "sz_term": -1.4303,
    "sz_unit": -0.0289,
    "sz_part": 0.0038,
    "sz_npps": -0.2692,
    "all_pps": 1.8209,
    "unit_ratio": 0.1827,
    "sz_tw": -0.095,
    "sz_ppsn": 0.0258,
    "lm_hit": -1.6066,
}


class TermsUnavailable(RuntimeError):
    """The shipped term resource is missing."""


def resource_available(path: str | None = None) -> bool:
    """Whether the resource file (``path`` or the shipped one) exists."""
    return exists(path, *_DEFAULT)


def load_resource(path: str | None = None) -> dict:
    """The term resource as a dict (``words``, ``phrases``, ``terms``, ``term_words``)."""
    return read_json_gz(path, _DEFAULT, TermsUnavailable(
        "the term resource is missing: build it with `.venv/bin/python data/build_terms.py`"))


def derive(f: dict) -> dict:
    """The features plus their interactions with an unattested spun phrase (``spun_zero``)."""
    sz = f["spun_zero"]
    return {**f, "sz_term": sz * f["term"], "sz_unit": sz * f["log_unit"],
            "sz_part": sz * f["log_part"], "sz_npps": sz * f["n_pps"],
            "all_pps": 1.0 if f["n_lex"] == 0 and f.get("n_thes", 0.0) == 0 else 0.0,
            "unit_ratio": f["log_unit"] - f["log_unit_spun"],
            "sz_tw": sz * f["term_words"], "sz_ppsn": sz * f["log_pps_n"],
            "lm_hit": 1.0 if f.get("lm_lp", LM_FLOOR) > LM_FLOOR else 0.0}


def sigmoid(logit: float) -> float:
    """The confidence of a log-odds (clipped to +-30, so it never overflows)."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def _variant(a: str, b: str) -> bool:
    """Same word or an inflection/spelling variant ("network"/"networks", "sign"/"signal"):
    never a spinner's substitution."""
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    return a[:4] == b[:4] and abs(len(a) - len(b)) <= 2


def _logp(count: float, total: float) -> float:
    return math.log((count + 0.5) / (total + 1.0))


def _plural(w: str) -> str:
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return w + "es"
    if w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    return w + "s"


def _singulars(w: str) -> list[str]:
    out = []
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        out.append(w[:-1])
    return out


class TermStage:
    """Proposes ``source="lexicon"`` edits (rule id ``term:pps-map``, ``term:lexicon``,
    ``term:thesaurus``, ``term:pps-phrase`` or ``term:known-term``) restoring two- to
    four-word tortured phrases as known terms.

    Options: ``threshold`` (least confidence to propose; 0.6 keeps clean text clean),
    ``path`` (a resource file; default
    ``$UNSPIN_TERMS`` or the shipped one), ``weights`` (the logistic score),
    ``pps_options`` / ``lex_options`` (originals tried per word from each source; lexicon
    originals are off by default: on the dev sets none ever passed the threshold, and they
    made the stage seven times slower); ``thes_options``: originals tried per word from the
    broad inverse thesaurus (the resource's ``thes``), one such word per two-word window, and
    only where the restored pair occurs at least ``thes_min_unit`` times in the clean corpora
    or SmolLM2's term table (:mod:`unspin.term_lm`) gives it a log-probability of at least
    ``thes_lm_min`` (a vectorised pre-filter: on the 400 clean carrier sentences of the dev
    set, 1,750 of the 46,059 pairs tried pass);
    ``term_lm``: that table (default: the shipped one, if installed); ``max_spun_count``:
    windows seen this often as a unit in clean text are left alone; ``seed_min_hits``: see
    :meth:`seed_spun` (0: never stand aside); ``strict_threshold`` / ``short_words``: see
    :meth:`threshold_for`; ``neural`` (the accurate tier's SmolLM2 scorer), ``verify_from``,
    ``verify_weight``: see :meth:`verify` (0.05: the maximum-likelihood fit of
    ``data/fit_verify.py`` on the train-split folds); ``known_terms``,
    ``known_max_term_words``, ``known_threshold``: see :meth:`_known_term_candidates` (0.7:
    below it, 2 of the 3 such edits on the dev sets were wrong); ``prefer_extensions``: see
    :meth:`_extension_rank`.
    """

    name = "terms"

    def __init__(self, threshold: float = 0.6, *, path: str | None = None,
                 resource: dict | None = None, scorer: NgramScorer | None = None,
                 lexicon: Lexicon | None = None, weights: dict | None = None,
                 pps_options: int = 6, lex_options: int = 0, thes_options: int = 40,
                 thes_min_unit: float = 2.0, thes_lm_min: float = -10.0,
                 term_lm: TermLM | None = None, max_spun_count: int = 3,
                 seed_min_hits: int = 3, strict_threshold: float = 0.85,
                 short_words: int = 60, neural=None, verify_from: float = 0.3,
                 verify_weight: float = 0.05, unknown_terms: bool = True,
                 unknown_rank: int = 2, known_terms: bool = True,
                 known_max_term_words: int = 3, known_threshold: float = 0.7,
                 prefer_extensions: bool = True) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], not {threshold}")
        self.threshold = threshold
        self.path = path if path is not None else (os.environ.get("UNSPIN_TERMS") or None)
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.pps_options = pps_options
        self.lex_options = lex_options
        self.thes_options = thes_options
        self.thes_min_unit = thes_min_unit
        self.thes_lm_min = thes_lm_min
        self._term_lm = term_lm
        self._lm_pairs: dict[tuple[int, int], float] = {}
        self.max_spun_count = max_spun_count
        self.seed_min_hits = seed_min_hits
        self.strict_threshold = strict_threshold
        self.short_words = short_words
        self.neural = neural
        self.verify_from = verify_from
        self.verify_weight = verify_weight
        self.unknown_terms = unknown_terms
        self.unknown_rank = unknown_rank
        self.known_terms = known_terms
        self.known_max_term_words = known_max_term_words
        self.known_threshold = known_threshold
        self.prefer_extensions = prefer_extensions
        self._term_index: dict | None = None
        self._data = resource
        self._scorer = scorer
        self._lexicon = lexicon
        self._lock = threading.Lock()
        self._opt_cache: dict = {}
        self._thes_cache: dict = {}
        self._counts: dict[tuple[int, ...], float] = {}

    # lazily loaded parts ----------------------------------------------------------------
    @property
    def data(self) -> dict:
        if self._data is None or "_terms" not in self._data:
            with self._lock:
                data = self._data if self._data is not None else load_resource(self.path)
                data["_terms"] = frozenset(data.get("terms", ()))
                self._data = data
        return self._data

    @property
    def ngram(self) -> NgramScorer:
        if self._scorer is None:
            self._scorer = get_scorer("fast")  # type: ignore[assignment]
        self._scorer.ensure_loaded()
        return self._scorer  # type: ignore[return-value]

    @property
    def term_lm(self) -> TermLM | None:
        """SmolLM2's term table, or ``None`` when it is not installed."""
        if self._term_lm is None:
            if not term_lm_available():
                return None
            self._term_lm = TermLM(ngram=self.ngram)
        return self._term_lm.ensure_loaded()

    def lm_logprob(self, words: Sequence[str]) -> float:
        """Least log P(next word | word) of the adjacent pairs of ``words`` in SmolLM2's term
        table (``LM_FLOOR`` where it is silent or not installed)."""
        lm = self.term_lm
        if lm is None or len(words) < 2:
            return LM_FLOOR
        index = self.ngram.index
        ids = [index.get(t, 0) for t in words]
        out = 0.0
        for pair in zip(ids, ids[1:]):
            v = self._lm_pairs.get(pair)
            if v is None:  # rare: :meth:`_prefetch` fills the cache in batches
                v = float(lm.logprob_ids(np.array([pair[0]]), np.array([pair[1]]))[0])
                self._lm_pairs[pair] = v
            out = min(out, v)
        return out

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = default_lexicon()
        return self._lexicon

    # per-word originals -----------------------------------------------------------------
    def options(self, w: str) -> list[tuple[str, str, float, float]]:
        """Candidate originals of one folded spun word: ``[(original, source, log P, PPS
        count)]``, PPS substitutions first."""
        hit = self._opt_cache.get(w)
        if hit is not None:
            return hit
        words = self.data["words"]
        out: dict[str, tuple[str, float, float]] = {}

        def add(o: str, src: str, lp: float, n: float = 0.0) -> None:
            if _variant(w, o):
                return
            if o not in STOPWORDS and (o not in out or out[o][1] < lp):
                out[o] = (src, lp, n)

        def from_map(key: str, lp_shift: float, fn=lambda o: o) -> None:
            lst = words.get(key)
            if not lst:
                return
            tot = sum(n for _, n in lst)
            for o, n in lst[: self.pps_options]:
                add(fn(o), "pps", _logp(n, tot) + lp_shift, n)

        from_map(w, 0.0)
        if w not in words:
            for s in _singulars(w):
                if s in words:
                    from_map(s, -0.3, _plural)
                    break
        if "-" in w:
            parts = w.split("-")
            for i, p in enumerate(parts):
                for o, n in (words.get(p) or [])[:3]:
                    if "-" not in o and " " not in o:
                        tot = sum(x for _, x in words[p])
                        add("-".join(parts[:i] + [o] + parts[i + 1:]), "pps",
                            _logp(n, tot) - 0.3, n)
        lex = []
        if self.lex_options:
            try:
                lex = self.lexicon.candidates(w, self.lex_options)
            except Exception:  # no lexicon installed: PPS substitutions only
                lex = []
        for o, prior, prov in lex:
            if " " not in o and o.isascii():
                add(o, "lex", math.log(max(prior, 1e-6)))
        res = [(o, src, lp, n) for o, (src, lp, n) in out.items()]
        res.sort(key=lambda x: (x[1] != "pps", -x[2]))
        self._opt_cache[w] = res
        return res

    def thes_originals(self, w: str) -> tuple[list, np.ndarray]:
        """Broad-thesaurus originals of one folded spun word not already among its PPS
        originals: ``([(original, "thes", log prior, sources)], their n-gram ids)``."""
        hit = self._thes_cache.get(w)
        if hit is not None:
            return hit
        thes = self.data.get("thes") or {}
        lst, fn = thes.get(w), (lambda o: o)
        if not lst:
            for s in _singulars(w):
                if s in thes:
                    lst, fn = thes[s], _plural
                    break
        out: list = []
        if lst and self.thes_options:
            have = {o for o, _, _, _ in self.options(w)}
            for rank, (o, nsrc) in enumerate(lst[: self.thes_options]):
                o = fn(o)
                if o in have or o in STOPWORDS or _variant(w, o):
                    continue
                have.add(o)
                out.append((o, "thes", -math.log(rank + 2.0), float(nsrc)))
        index = self.ngram.index
        res = (out, np.array([index.get(o, 0) for o, _, _, _ in out], dtype=np.int64))
        if len(self._thes_cache) > 200_000:
            self._thes_cache.clear()
        self._thes_cache[w] = res
        return res

    def _thes_outputs(self, windows, outputs) -> None:
        """Add to ``outputs`` the two-word restorations with one broad-thesaurus word (the
        other kept or one of its top PPS originals) whose pair the clean corpora attest at
        least ``thes_min_unit`` times or SmolLM2's term table rates at least ``thes_lm_min``;
        the counts and table entries of all of them are looked up in one batch."""
        if not self.thes_options:
            return
        index = self.ngram.index
        jobs: list = []
        lefts: list = []
        rights: list = []
        for wi, ((toks, words, opts, flags, i, k), o) in enumerate(zip(windows, outputs)):
            if k != 2 or o is None:
                continue
            for j in (0, 1):
                if not flags[i + j]:
                    continue
                cands, ids = self.thes_originals(words[i + j])
                if not cands:
                    continue
                other = words[i + 1 - j]
                if other in STOPWORDS:
                    continue  # a term pairs content words: "field has" is no term
                choices = [(other, "keep", 0.0, 0.0)]
                if flags[i + 1 - j]:
                    choices += opts[i + 1 - j][:2]
                for ch in choices:
                    oid = index.get(ch[0], 0)
                    if not oid:
                        continue
                    fixed = np.full(len(ids), oid, dtype=np.int64)
                    lefts.append(ids if j == 0 else fixed)
                    rights.append(fixed if j == 0 else ids)
                    jobs.append((wi, j, ch, cands))
        if not jobs:
            return
        pairs = np.stack([np.concatenate(lefts), np.concatenate(rights)], axis=1)
        counts = self.ngram.ngram_counts(pairs)
        lm = self.term_lm
        lps = lm.logprob_ids(pairs[:, 0], pairs[:, 1]) if lm is not None else None
        keep = counts >= self.thes_min_unit
        if lps is not None:
            keep |= lps >= self.thes_lm_min
        at = 0
        for wi, j, ch, cands in jobs:
            n = len(cands)
            seg_keep = keep[at:at + n]
            seg_pairs = pairs[at:at + n]
            for c in np.flatnonzero(seg_keep):
                key = (int(seg_pairs[c, 0]), int(seg_pairs[c, 1]))
                self._counts[key] = float(counts[at + c])
                if lps is not None:
                    self._lm_pairs[key] = float(lps[at + c])
                combo = (cands[c], ch) if j == 0 else (ch, cands[c])
                outw = [combo[0][0], combo[1][0]]
                outputs[wi][2].append((outw, outw, combo, None))
            at += n

    # counts -----------------------------------------------------------------------------
    def _count(self, ids: tuple[int, ...]) -> float:
        """Corpus count of a word pair or triple (by id), cached; :meth:`_prefetch` fills the
        cache in batches, so this one-by-one lookup is the exception."""
        c = self._counts.get(ids)
        if c is None:
            c = float(self.ngram.ngram_counts(np.array([ids]))[0])
            self._counts[ids] = c
        return c

    def unit_count(self, words: Sequence[str]) -> tuple[float, float]:
        """How often ``words`` occur as a unit in the clean corpora: (count of the whole
        phrase, least count of its word pairs)."""
        index = self.ngram.index
        ids = [index.get(t, 0) for t in words]
        if len(ids) < 2:
            return 0.0, 0.0
        bis = [self._count(p) for p in zip(ids, ids[1:])]
        if len(ids) == 2:
            return bis[0], bis[0]
        tris = [self._count(t) for t in zip(ids, ids[1:], ids[2:])]
        return min(tris), min(bis)

    # windows and candidates -------------------------------------------------------------
    def _windows(self, doc: Document) -> list[tuple[list, list[bool]]]:
        """Runs of adjacent words: ``[(tokens, changeable flags)]`` per run."""
        text = doc.text
        free = free_test(text, list(doc.protected) + [(e.start, e.end) for e in doc.proposals])
        toks = cached_token_spans(text)
        runs: list[tuple[list, list[bool]]] = []
        cur: list = []
        flags: list[bool] = []
        prev_end = -1
        at_start = False
        for s, e, t in toks:
            if t == "<s>":
                at_start = True
                continue
            raw = text[s:e]
            ok = t[:1].isalpha() and t != "<num>" and free(s, e)
            if not ok or (cur and text[prev_end:s] != " "):
                if len(cur) >= 2:
                    runs.append((cur, flags))
                cur, flags = [], []
            if ok:
                changeable = (t not in STOPWORDS and len(t) >= 3 and "'" not in t
                              and not (raw[:1].isupper() and not at_start)
                              and not (raw.isupper() and len(raw) > 1))
                cur.append((s, e, t))
                flags.append(changeable)
            prev_end = e
            at_start = False
        if len(cur) >= 2:
            runs.append((cur, flags))
        return runs

    def candidates(self, doc: Document,
                   use_thes: bool = True) -> list[tuple[int, int, list, dict, str]]:
        """Every candidate restoration: ``(start, end, output words per window word,
        features, rule id)`` for windows of two or three adjacent words.

        Three passes, so that the corpus counts each pass needs are looked up in one
        vectorised batch: windows, then their candidate outputs, then features.
        ``use_thes=False`` leaves out the broad-thesaurus candidates.
        """
        phrases = self.data["phrases"]
        windows = []
        for toks, flags in self._windows(doc):
            n = len(toks)
            words = [t for _, _, t in toks]
            opts = [self.options(w) if f else [] for w, f in zip(words, flags)]
            # where a learned phrase substitution (1-3 words) starts: phrase_end[a] = ends
            phrase_end = [[b for b in range(a + 1, min(n, a + 3) + 1)
                           if " ".join(words[a:b]) in phrases] for a in range(n)]
            for i in range(n):
                for k in (2, 3):
                    if i + k > n:
                        continue
                    if not any(opts[j] for j in range(i, i + k)) and not any(
                            b <= i + k for a in range(i, i + k) for b in phrase_end[a]) and not (
                            k == 2 and use_thes and self.thes_options and any(
                                flags[j] and self.thes_originals(words[j])[0]
                                for j in range(i, i + k))):
                        continue
                    windows.append((toks, words, opts, flags, i, k))
        self._prefetch(w[1][w[4]:w[4] + w[5]] for w in windows)
        outputs = [self._window_outputs(*w) for w in windows]
        if use_thes:
            self._thes_outputs(windows, outputs)
        self._prefetch(flat for o in outputs if o for flat, _, _, _ in o[2])
        out = []
        for (toks, _, _, _, i, k), o in zip(windows, outputs):
            if o:
                out.extend(self._window_candidates(toks, i, k, *o))
        if use_thes and self.known_terms:
            out.extend(self._known_term_candidates(doc))
        self._context_gains(doc.text, out)
        return out

    @property
    def term_index(self) -> dict:
        """``{(length, position, word): [term words, ...]}`` over the resource's known terms
        (content words only): which terms a window could be a spinning of."""
        if self._term_index is None:
            idx: dict = {}
            for t in self.data["terms"]:
                ws = tuple(t.split())
                forms = [ws]
                if ws[-1].isalpha() and not ws[-1].endswith("s"):
                    forms.append(ws[:-1] + (_plural(ws[-1]),))  # "... networks" for "... network"
                for f in forms:
                    for j, w in enumerate(f):
                        if w not in STOPWORDS:
                            idx.setdefault((len(f), j, w), []).append(f)
            self._term_index = idx
        return self._term_index

    def _known_term_candidates(self, doc: Document) -> list:
        """Restorations of two- to four-word windows as a *known* term (the resource's PPS
        terms, or one with its last word in the plural) that shares at least one word with
        the window in the same place, every other word being one of the spun word's PPS or
        broad-thesaurus originals: "random thicket" -> "random forest", "support vector
        automaton" -> "support vector machine" (rule id ``term:known-term``).

        A known term licenses what the other candidates may not: originals the count filter
        of :meth:`_thes_outputs` drops, two broad-thesaurus words, windows of four words. Its
        guards, since a legitimate term next to a known one looks the same ("defect
        prediction" beside "fault prediction"): the window is unattested in the clean
        corpora (and, for two words, unknown to SmolLM2's table); no changed word is common
        in PPS terms itself (at most ``known_max_term_words`` of them: "recognition",
        "processing" and "system" are originals); and the candidate needs
        ``known_threshold``. Measured 2026-12-08 on new forms of known terms
        (``dev/pps_carrier_variants.jsonl``, honest build): exact 30.4% -> 32.7%, and 34.3%
        with :meth:`_extension_rank` and the refitted weights."""
        idx = self.term_index
        cands: list = []
        for toks, flags in self._windows(doc):
            words = [t for _, _, t in toks]
            for k in (2, 3, 4):
                for i in range(len(words) - k + 1):
                    spun = words[i:i + k]
                    found: set = set()
                    for j, w in enumerate(spun):
                        found.update(idx.get((k, j, w), ()))
                    if not found or " ".join(spun) in self.data["_terms"]:
                        continue  # (a known term may contain another: "vector machine")
                    outs = []
                    for term in sorted(found):
                        combo = self._known_combo(spun, term, flags[i:i + k])
                        if combo is not None:
                            outs.append((list(term), list(term), combo, None))
                    if not outs:
                        continue
                    # the corpus lookups last: most windows have no linked term at all
                    spun_counts = self.unit_count(spun)
                    if spun_counts[0] > 0 or (k == 2 and self.lm_logprob(spun) > LM_FLOOR):
                        continue  # attested, or a two-word term SmolLM2's table knows
                    cands.extend(self._window_candidates(toks, i, k, spun, spun_counts, outs,
                                                         fixed_rid="term:known-term"))
        return cands

    def _known_combo(self, spun: Sequence[str], term: Sequence[str],
                     flags: Sequence[bool]) -> tuple | None:
        """How ``spun`` maps onto the known ``term`` word by word (the ``combo`` of
        :meth:`features`), or ``None`` when some changed word has no source linking it.

        >>> st = TermStage(resource={"words": {}, "phrases": {}, "terms": [],
        ...     "term_words": {}, "thes": {"thicket": [["forest", 3]]}})
        >>> [c[:2] for c in st._known_combo(["random", "thicket"], ["random", "forest"],
        ...                                 [True, True])]
        [('random', 'keep'), ('forest', 'thes')]
        """
        term_words = self.data["term_words"]
        combo = []
        for sw, ow, changeable in zip(spun, term, flags):
            if sw == ow:
                combo.append((sw, "keep", 0.0, 0.0))
                continue
            if not changeable or term_words.get(sw, 0) > self.known_max_term_words:
                return None  # a word common in terms is an original, not spun
            hit = next((o for o in self.options(sw) if o[0] == ow), None) or next(
                (o for o in self.thes_originals(sw)[0] if o[0] == ow), None)
            if hit is None:
                return None
            combo.append(hit)
        return tuple(combo) if any(c[1] != "keep" for c in combo) else None

    def _context_gains(self, text: str, cands: list) -> None:
        """Set each candidate's ``ctx_gain``: how much more likely the n-gram model finds the
        restored window with two words of context either side than the spun one (the log
        probability of the window and its right context). One vectorised batch for all."""
        if not cands:
            return
        ng = self.ngram
        get = ng.index.get
        toks = cached_token_spans(text)
        at = {s: i for i, (s, _, _) in enumerate(toks)}
        ids = [get(t, 0) for _, _, t in toks]
        a_l: list = []
        b_l: list = []
        c_l: list = []
        owner: list = []
        for n, (s, e, spans, outw, feats, _rid) in enumerate(cands):
            i = at[spans[0][0]]
            j = at[spans[-1][0]] + 1
            left = ([1, 1] + ids[max(0, i - 2):i])[-2:]
            right = ids[j:j + 2]
            new = [get(w, 0) for w in " ".join(x for x in outw if x).split(" ")]
            for sign, mid in ((1.0, new), (-1.0, ids[i:j])):
                seq = left + mid + right
                for q in range(2, len(seq)):
                    a_l.append(seq[q - 2])
                    b_l.append(seq[q - 1])
                    c_l.append(seq[q])
                    owner.append((n, sign))
        lp = ng.logprob_triples(np.array(a_l), np.array(b_l), np.array(c_l))
        idx = np.array([o for o, _ in owner])
        sign = np.array([g for _, g in owner])
        gains = np.bincount(idx, weights=lp * sign, minlength=len(cands))
        for n, c in enumerate(cands):
            c[4]["ctx_gain"] = float(gains[n])

    def _prefetch(self, phrases) -> None:
        """Fill the count cache for every word pair and triple of ``phrases``, and the SmolLM2
        table cache for every pair, in one batch each."""
        index = self.ngram.index
        if len(self._counts) > 1_000_000:
            self._counts.clear()
        if len(self._lm_pairs) > 1_000_000:
            self._lm_pairs.clear()
        grams: dict[int, set] = {2: set(), 3: set()}
        lm_pairs: set = set()
        for words in phrases:
            ids = [index.get(t, 0) for t in words]
            for g in zip(ids, ids[1:]):
                if g not in self._counts:
                    grams[2].add(g)
                if g not in self._lm_pairs:
                    lm_pairs.add(g)
            for g in zip(ids, ids[1:], ids[2:]):
                if g not in self._counts:
                    grams[3].add(g)
        for keys in grams.values():
            if keys:
                keys = list(keys)
                self._counts.update(zip(keys, self.ngram.ngram_counts(np.array(keys)).tolist()))
        lm = self.term_lm
        if lm_pairs and lm is not None:
            arr = np.array(list(lm_pairs))
            self._lm_pairs.update(zip(map(tuple, arr.tolist()),
                                      lm.logprob_ids(arr[:, 0], arr[:, 1]).tolist()))

    def _window_outputs(self, toks, words, opts, flags, i: int, k: int):
        """``(spun, spun counts, [(flat output words, output per word, combo, phrase)])``
        for one window, or ``None`` when the spun phrase is common English or a term."""
        phrases = self.data["phrases"]
        spun = words[i:i + k]
        spun_counts = self.unit_count(spun)
        if spun_counts[0] >= self.max_spun_count or self._is_term(spun):
            return None  # the spun phrase itself is common English or a known term
        if self.lm_logprob(spun) > LM_FLOOR:
            # SmolLM2's table knows the spun phrase itself as a term: real tortured phrases
            # seldom are (the spun second word is in SmolLM2's top 100 for 7 of 194 held-out
            # pairs). A weak guard (on 1 MB of clean Reuters it removed 2 of 98 term edits),
            # and a free one: the pairs are looked up in the batch of :meth:`_prefetch`
            return None
        res = []
        # (a) products of per-word originals
        per = [[(w, "keep", 0.0, 0.0)] + opts[i + j][: self.pps_options + self.lex_options]
               for j, w in enumerate(spun)]
        combos = list(product(*per))
        if len(combos) > 600:
            per = [[(w, "keep", 0.0, 0.0)] + opts[i + j][:5] for j, w in enumerate(spun)]
            combos = list(product(*per))
        for combo in combos:
            if all(c[1] == "keep" for c in combo):
                continue
            if sum(c[1] == "lex" for c in combo) > 1:
                continue
            res.append(([c[0] for c in combo], combo, None))
        # (b) a learned phrase substitution on a sub-span
        for a in range(k):
            for b in range(a + 1, k + 1):
                key = " ".join(spun[a:b])
                lst = phrases.get(key)
                if not lst or not all(flags[i + j] or words[i + j] in STOPWORDS
                                      for j in range(a, b)):
                    continue
                tot = sum(m for _, m in lst)
                for o, m in lst[:3]:
                    outw = list(spun[:a]) + [o] + [""] * (b - a - 1) + list(spun[b:])
                    res.append((outw, None, (a, b, _logp(m, tot), m)))
        out = []
        for outw, combo, phr in res:
            flat = " ".join(x for x in outw if x).split(" ")
            if len(flat) >= 2:
                out.append((flat, outw, combo, phr))
        return spun, spun_counts, out

    def _window_candidates(self, toks, i: int, k: int, spun, spun_counts, outputs,
                           fixed_rid: str | None = None):
        cands = []
        for flat, outw, combo, phr in outputs:
            if sum(1 for w in flat if w not in STOPWORDS) < 2:
                # a term joins content words: "recognition is" / "of images" is a one-word
                # change in context, the lexicon's job, and here it only damaged clean text
                continue
            feats = self.features(spun, flat, combo, phr, spun_counts,
                                  known=fixed_rid == "term:known-term")
            if feats is None:
                continue
            if fixed_rid is not None:
                rid = fixed_rid
            elif phr:
                rid = "term:pps-phrase"
            elif any(c[1] == "thes" for c in combo):
                rid = "term:thesaurus"
            elif any(c[1] == "lex" for c in combo):
                rid = "term:lexicon"
            else:
                rid = "term:pps-map"
            spans = [toks[i + j][:2] for j in range(k)]
            if combo is not None:
                spans, outw = self._absorb_phrase(toks, i, k, combo, spans, list(outw))
            cands.append((spans[0][0], spans[-1][1], spans, outw, feats, rid))
        return cands

    def _absorb_phrase(self, toks, i: int, k: int, combo, spans: list, outw: list):
        """Extend a candidate whose changed edge word starts (or ends) a learned PPS phrase
        substitution with the same output, the phrase's other word lying just outside the
        window: "supervised gaining [knowledge]" -> "supervised learning", not "supervised
        learning knowledge" ("gaining" -> "learning" is also a word substitution, and the
        window stops before "knowledge"). The extra word is deleted; the confidence stays the
        word-level one.

        >>> st = TermStage(resource={"words": {}, "phrases": {"gaining knowledge":
        ...     [["learning", 3]]}, "terms": [], "term_words": {}})
        >>> toks = [(0, 10, "supervised"), (11, 18, "gaining"), (19, 28, "knowledge")]
        >>> combo = (("supervised", "keep", 0.0, 0.0), ("learning", "pps", 0.0, 2.0))
        >>> st._absorb_phrase(toks, 0, 2, combo, [(0, 10), (11, 18)], ["supervised", "learning"])
        ([(0, 10), (11, 18), (19, 28)], ['supervised', 'learning', ''])
        """
        phrases = self.data["phrases"]

        def maps(key: str, out: str) -> bool:
            return any(o == out for o, _ in (phrases.get(key) or [])[:3])

        if combo[-1][1] != "keep" and i + k < len(toks):
            nxt = toks[i + k]
            if maps(f"{toks[i + k - 1][2]} {nxt[2]}", outw[-1]):
                spans, outw = spans + [nxt[:2]], outw + [""]
        if combo[0][1] != "keep" and i > 0:
            prv = toks[i - 1]
            if maps(f"{prv[2]} {toks[i][2]}", outw[0]):
                spans, outw = [prv[:2]] + spans, [""] + outw
        return spans, outw

    def _is_term(self, words: Sequence[str]) -> bool:
        try:
            lterms = self.lexicon.terms
        except Exception:
            lterms = frozenset()
        terms = self.data["_terms"]
        if " ".join(words) in terms:
            return True
        return any(f"{a} {b}" in terms or f"{a} {b}" in lterms for a, b in zip(words, words[1:]))

    def features(self, spun: Sequence[str], flat: Sequence[str], combo, phr,
                 spun_counts: tuple[float, float] | None = None,
                 known: bool = False) -> dict | None:
        """Inputs of the score for restoring ``spun`` as ``flat`` (``None``: not a term);
        ``known``: the candidate came from :meth:`_known_term_candidates`."""
        unit, part = self.unit_count(flat)
        # a known-term candidate is a known term or its plural ("... networks")
        term = 1.0 if known or " ".join(flat) in self.data["_terms"] else 0.0
        if not term:
            try:
                lterms = self.lexicon.terms
            except Exception:
                lterms = frozenset()
            if len(flat) == 2 and " ".join(flat) in lterms:
                term = 1.0
            elif len(flat) == 3 and any(f"{a} {b}" in lterms for a, b in zip(flat, flat[1:])):
                term = 0.5
        lm_lp = self.lm_logprob(flat)
        sunit, spart = spun_counts if spun_counts is not None else self.unit_count(spun)
        unknown = 0.0
        if unit <= 0 and part <= 0 and not term and lm_lp <= LM_FLOOR:
            if not (self.unknown_terms and self._pps_built(spun, flat, combo, sunit, spart)):
                return None  # not a known term: never proposed
            unknown = 1.0
        # (no feature for the spun phrase's own SmolLM2 score: windows where the table knows it
        # were skipped in _window_outputs, so it would always be LM_FLOOR)
        lm = {"lm_lp": lm_lp}
        tw = self.data["term_words"]
        if combo is not None:
            changed = [c for c in combo if c[1] != "keep"]
            pps = [c for c in changed if c[1] == "pps"]
            lex = [c for c in changed if c[1] == "lex"]
            thes = [c for c in changed if c[1] == "thes"]
            f_tw = sum(math.log1p(tw.get(c[0], 0)) for c in changed)
            return {
                "log_unit": math.log1p(unit), "log_part": math.log1p(part),
                "log_unit_spun": math.log1p(max(sunit, spart if len(spun) == 2 else 0.0)),
                "term": term,
                "pps_logp": sum(c[2] for c in pps), "n_pps": float(len(pps)),
                "lex_logp": sum(c[2] for c in lex), "n_lex": float(len(lex)),
                "phrase": 0.0, "term_words": f_tw, "n_changed": float(len(changed)),
                "log_pps_n": sum(math.log1p(c[3]) for c in pps),
                "spun_zero": 1.0 if sunit <= 0 else 0.0,
                "log_spun_freq": min(math.log1p(self.ngram.count(w0))
                                     for w0, c in zip(spun, combo) if c[1] != "keep"),
                "n_thes": float(len(thes)), "thes_logp": sum(c[2] for c in thes),
                "thes_src": sum(c[3] for c in thes), "pmi": self.pmi(flat),
                "unknown": unknown, **lm,
                "known": 1.0 if known else 0.0,
                "known_kept": float(len(combo) - len(changed)) if known else 0.0,
            }
        a, b, lp, _ = phr
        return {
            "log_unit": math.log1p(unit), "log_part": math.log1p(part),
            "log_unit_spun": math.log1p(sunit), "term": term,
            "pps_logp": lp, "n_pps": 1.0, "lex_logp": 0.0, "n_lex": 0.0, "phrase": 1.0,
            "term_words": 0.0, "n_changed": float(b - a),
            "log_pps_n": math.log1p(phr[3]), "spun_zero": 1.0 if sunit <= 0 else 0.0,
            "log_spun_freq": min(math.log1p(self.ngram.count(w0)) for w0 in spun[a:b]),
            "n_thes": 0.0, "thes_logp": 0.0, "thes_src": 0.0, "pmi": self.pmi(flat),
            "unknown": unknown, **lm,
        }

    def _pps_built(self, spun: Sequence[str], flat: Sequence[str], combo,
                   sunit: float, spart: float) -> bool:
        """Whether an output no source knows as a term may still be scored: the spun phrase
        is unattested, and every changed word is one of the spinner substitutions the PPS
        pairs show for it (rank < ``unknown_rank``) and occurs in PPS terms. The kept words
        need not: they are often names no term list has ("adam enhancer" -> "adam
        optimizer", "mahalanobis separation" -> "mahalanobis distance"). Measured 2026-12-08
        on the held-out PPS split: 16.8% -> 18.1% of gold edits restored exactly, 27 instead
        of 25 words changed in 3,014 clean Reuters and Wikipedia sentences restored one by one.

        Most technical terms are too rare for 22.5M words of general prose and SmolLM2's
        64-word table ("spectral clustering", "output gate": neither knows them), but a
        phrase whose every word is a known tortured-phrase substitution is strong evidence
        by itself ("ghastly grouping": ghastly -> spectral, grouping -> clustering)."""
        if combo is None or sunit > 0 or spart > 0:
            return False
        changed = [c for c in combo if c[1] != "keep"]
        if not changed or any(c[1] != "pps" for c in changed):
            return False
        tw = self.data["term_words"]
        if any(not tw.get(c[0]) for c in changed):
            return False
        ranks = []
        for c, w in zip(combo, spun):
            opts = [o for o, src, _, _ in self.options(w) if src == "pps"]
            if c[1] == "pps":
                ranks.append(opts.index(c[0]) if c[0] in opts else 99)
            elif opts:
                # a kept word the PPS pairs also know as spun: "spectral grouping" for
                # "ghostly grouping" only half-restores, and would outscore the whole
                return False
        return max(ranks) < self.unknown_rank

    def pmi(self, words: Sequence[str]) -> float:
        """Least pointwise mutual information of the adjacent pairs of ``words`` in the clean
        corpora: terms are tight collocations, chance pairs are not."""
        ng = self.ngram
        index = ng.index
        ids = [index.get(t, 0) for t in words]
        out = math.inf
        for a, b in zip(ids, ids[1:]):
            ca = ng.uni[a] if a else 0.0
            cb = ng.uni[b] if b else 0.0
            out = min(out, math.log((self._count((a, b)) + 0.5) * ng.N / ((ca + 1.0) * (cb + 1.0))))
        return 0.0 if out == math.inf else out

    def score(self, feats: dict) -> float:
        """Log-odds that the candidate is the original."""
        w = self.weights
        return w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in derive(feats).items())

    def confidence(self, feats: dict) -> float:
        """Probability that the candidate is the original (:meth:`score` as a probability)."""
        return sigmoid(self.score(feats))

    # proposals --------------------------------------------------------------------------
    def seed_spun(self, doc: Document) -> bool:
        """Whether the rule table's evidence says ``doc`` was spun by the seed spinner family
        (at least ``seed_min_hits`` seed-tier rule hits, and most hits seed-tier).

        Such a spinner swaps everyday words one by one; the lexicon stage restores those in
        context, and restoring tortured *technical terms* there only adds noise (measured
        on the synthetic seed-style sets: gold exact -0.1 point, clean damage 0.03% ->
        0.05%), at a cost of about 3 s per MB. So the term stage stands aside."""
        if not self.seed_min_hits:
            return False
        hits = [e.rule_id for e in doc.proposals if e.source == "rule"]
        seed = sum(1 for r in hits if r.startswith("seed."))
        return seed >= self.seed_min_hits and 2 * seed > len(hits)

    def threshold_for(self, doc: Document) -> float:
        """The least confidence to propose in ``doc``: ``threshold``, or ``strict_threshold``
        in a document longer than ``short_words`` words where no tortured phrase of the rule
        table was found.

        A long text offers a hundred windows or more, so a few pass the threshold by chance
        even when nothing there is tortured (clean Reuters newswire: 99 edits per MB at 0.6,
        12 at 0.85: "facility fee" -> "facility rate"); a tortured phrase the rule table knows
        is evidence that the text came from a paper mill, and a short text (one sentence to
        screen) offers few windows."""
        if not self.strict_threshold or self.strict_threshold <= self.threshold:
            return self.threshold
        if any(e.source == "rule" and e.rule_id.startswith("pps.") and e.confidence >= 0.5
               for e in doc.proposals):
            return self.threshold
        if count_words(doc.text) <= self.short_words:
            return self.threshold
        return self.strict_threshold

    def propose(self, doc: Document) -> list[Edit]:
        """Candidate edits for ``doc``, most confident per span, non-overlapping."""
        if self.seed_spun(doc):
            return []
        text = doc.text
        threshold = self.threshold_for(doc)
        best: dict = {}
        # under the strict threshold the broad thesaurus is left out: its candidates are the
        # weakest (on 1 MB of clean Reuters newswire none reached 0.85) and the costliest
        cands = self.candidates(doc, use_thes=threshold < self.strict_threshold)
        unsure: dict = {}  # (start, end) -> the best candidate below the threshold
        for s, e, spans, outw, feats, rid in cands:
            conf = self.confidence(feats)
            if conf < self._least(rid, threshold):
                if self.neural is not None and conf >= self.verify_from:
                    edit = self._edit(text, spans, outw, rid, conf)
                    if edit is not None and (
                            (edit.start, edit.end) not in unsure
                            or unsure[(edit.start, edit.end)].confidence < conf):
                        unsure[(edit.start, edit.end)] = edit
                continue
            edit = self._edit(text, spans, outw, rid, conf)
            if edit is None:
                continue
            key = (edit.start, edit.end)
            if key not in best or best[key].confidence < edit.confidence:
                best[key] = edit
        if self.neural is not None and threshold == self.threshold:
            for edit in self.verify(text, list(unsure.values())):
                key = (edit.start, edit.end)
                if edit.confidence >= self._least(edit.rule_id, threshold) and (
                        key not in best or best[key].confidence < edit.confidence):
                    best[key] = edit
        kept: list[Edit] = []
        rank = self._extension_rank(list(best.values()), self.data["_terms"]) \
            if self.prefer_extensions else {}
        for ed in sorted(best.values(), key=lambda x: (-rank.get(x, x.confidence), x.start)):
            if not any(ed.start < k.end and k.start < ed.end for k in kept):
                kept.append(ed)
        return sorted(kept)

    def _least(self, rule_id: str, threshold: float) -> float:
        """The least confidence an edit of ``rule_id`` needs: known-term candidates need
        ``known_threshold`` too (also after the accurate tier's second opinion)."""
        if rule_id.startswith("term:known-term"):
            return max(threshold, self.known_threshold)
        return threshold

    @staticmethod
    def _extension_rank(edits: list[Edit], terms: frozenset) -> dict:
        """Each edit's rank in the selection: its confidence, or, where its replacement is a
        known term, that of a more confident edit it extends (same change on a wider span:
        "characteristic dialect preparing" -> "natural language processing" extends "dialect
        preparing" -> "language processing"), so the whole term wins over its confident half.
        (Any extension would also turn "wind vitality" -> "wind energy" into "laminar energy".)
        """
        rank = {}
        for b in edits:
            r = b.confidence
            if b.replacement.lower() not in terms:
                rank[b] = r
                continue
            for a in edits:
                if a is not b and b.start <= a.start and a.end <= b.end \
                        and (b.start, b.end) != (a.start, a.end) \
                        and a.original in b.original and a.replacement in b.replacement:
                    r = max(r, a.confidence)
            rank[b] = r
        return rank

    def verify(self, text: str, edits: list[Edit]) -> list[Edit]:
        """The accurate tier's second opinion on candidates the score left unsure: SmolLM2
        reads the sentence up to the edit, then the restored and the spun continuation, and
        the log-likelihood ratio (:meth:`lm_gains`), times ``verify_weight``, is added to the
        candidate's log-odds. Returns the edits with their new confidence (rule id ``...+lm``)."""
        out = []
        for ed, gain in zip(edits, self.lm_gains(text, edits)):
            conf = sigmoid(math.log(ed.confidence / (1.0 - ed.confidence))
                           + self.verify_weight * gain)
            out.append(Edit(ed.start, ed.end, ed.original, ed.replacement, ed.source,
                            ed.rule_id + "+lm", round(min(conf, 0.999), 4)))
        return out

    def lm_gains(self, text: str, edits: list[Edit]) -> list[float]:
        """For each edit, log P(restored continuation) - log P(spun continuation) under the
        neural scorer, given the sentence up to the edit (at most 200 characters) and followed
        by up to 60 characters of what comes after it."""
        if not edits:
            return []
        prefixes, conts = [], []
        for ed in edits:
            stop = text.rfind(". ", 0, ed.start)
            line = text.rfind("\n", 0, ed.start)
            lo = max(stop + 2 if stop >= 0 else 0, line + 1, ed.start - 200, 0)
            hi = min(len(text), ed.end + 60)
            right = text[ed.end:hi]
            prefix = text[lo:ed.start].strip()
            for middle in (ed.replacement, ed.original):
                prefixes.append(prefix)
                conts.append(middle + right)
        lps = self.neural.text_logprobs(prefixes, conts)
        return [lps[2 * k] - lps[2 * k + 1] for k in range(len(edits))]

    @staticmethod
    def _edit(text: str, spans, outw, rid: str, conf: float) -> Edit | None:
        words = [text[s:e] for s, e in spans]
        # compare folded forms: "people’s" folds to the model's "people's" and is unchanged
        changed = [j for j, (w, o) in enumerate(zip(words, outw)) if fold(w) != o]
        if not changed:
            return None
        lo, hi = changed[0], changed[-1]
        start, end = spans[lo][0], spans[hi][1]
        parts = []
        for j in range(lo, hi + 1):
            if j in changed:
                if outw[j]:
                    parts.append(transfer_case(words[j], outw[j]))
            else:
                parts.append(words[j])
        rep = " ".join(parts)
        orig = text[start:end]
        if rep == orig or not rep:
            return None
        return Edit(start, end, orig, rep, "lexicon", rid, round(min(conf, 0.999), 4))

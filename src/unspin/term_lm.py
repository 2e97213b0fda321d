"""SmolLM2's knowledge of technical terms, as a lookup table: log P(next word | word) in a list
of terms, without running the LM.

``data/build_term_lm.py`` asked SmolLM2-135M, once and offline, for the likeliest next tokens
after each word in the prompt "Technical terms: machine learning, blood pressure, heat
transfer, <word>". The term stage uses it as a second known-term check beside the clean
corpora, which attest only about a third of the terms that tortured phrases hide: "logistic
regression" occurs once in them, but SmolLM2 gives " regression" a probability of 0.94 after
"logistic".

A pair scores the log-probability of the *first SmolLM2 token* of its second word ("layer"
is one token; "convolutional" is judged by its first piece), or :data:`FLOOR` when that token
is not among the key word's top next tokens.

>>> lm = TermLM()
>>> round(lm.pair_logprob("logistic", "regression"), 2), lm.pair_logprob("logistic", "reversion")
(-0.06, -16.0)
"""

from __future__ import annotations

import json
import os
import threading

import numpy as np

from .lm import NgramScorer, get_scorer
from .packaged import exists, read_npz

_DEFAULT = ("terms", "term_lm.npz")

# Log-probability of a pair whose token is not in the table (the build keeps tokens down to
# -12; below that the LM gives no evidence either way).
FLOOR = -16.0


def available(path: str | None = None) -> bool:
    """Whether the table (``path``, ``$UNSPIN_TERM_LM`` or the shipped one) exists."""
    return exists(path or os.environ.get("UNSPIN_TERM_LM") or None, *_DEFAULT)


class TermLM:
    """The table, bound to the n-gram model's vocabulary so that pairs are looked up by
    n-gram id, in vectorised batches (:meth:`logprob_ids`). Loaded on first use."""

    def __init__(self, path: str | None = None, ngram: NgramScorer | None = None) -> None:
        self.path = path or os.environ.get("UNSPIN_TERM_LM") or None
        self._ngram = ngram
        self._lock = threading.Lock()
        self._ready = False

    @property
    def ngram(self) -> NgramScorer:
        if self._ngram is None:
            self._ngram = get_scorer("fast")  # type: ignore[assignment]
        return self._ngram.ensure_loaded()  # type: ignore[union-attr]

    def _load(self) -> None:
        with self._lock:
            if self._ready:
                return
            z = read_npz(self.path, _DEFAULT)
            ng = self.ngram
            keys = bytes(z["keys"]).decode("utf-8").split("\n")
            words = bytes(z["words"]).decode("utf-8").split("\n")
            self.meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            # n-gram id -> row of the table / first SmolLM2 token (-1: none)
            key_of = np.full(ng.V, -1, dtype=np.int64)
            for i, w in enumerate(keys):
                j = ng.index.get(w, 0)
                if j:
                    key_of[j] = i
            tok_of = np.full(ng.V, -1, dtype=np.int64)
            for w, t in zip(words, z["word_toks"].tolist()):
                j = ng.index.get(w, 0)
                if j:
                    tok_of[j] = t
            offsets = z["offsets"].astype(np.int64)
            rows = np.repeat(np.arange(len(keys), dtype=np.int64), np.diff(offsets))
            # rows come in key order and tokens sorted within a row: the keys are sorted
            self._keys = rows * 65536 + z["toks"].astype(np.int64)
            self._lps = -z["lps"].astype(np.float64) / 16.0
            self._key_of, self._tok_of = key_of, tok_of
            self._ready = True

    def ensure_loaded(self) -> "TermLM":
        if not self._ready:
            self._load()
        return self

    def logprob_ids(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """log P(b | a) for n-gram id arrays (``FLOOR`` where the table is silent)."""
        self.ensure_loaded()
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        ka, tb = self._key_of[a], self._tok_of[b]
        q = ka * 65536 + tb
        pos = np.minimum(np.searchsorted(self._keys, q), len(self._keys) - 1)
        hit = (ka >= 0) & (tb >= 0) & (self._keys[pos] == q)
        return np.where(hit, self._lps[pos], FLOOR)

    def pair_logprob(self, a: str, b: str) -> float:
        """log P(b | a) for two folded words."""
        index = self.ngram.index
        return float(self.logprob_ids(np.array([index.get(a, 0)]),
                                      np.array([index.get(b, 0)]))[0])

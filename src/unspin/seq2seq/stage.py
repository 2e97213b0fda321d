"""The model stage: send the spans that look spun to the span restorer, propose its answers.

>>> stage = ModelStage()            # nothing loads yet
>>> stage.name
'model'

``propose`` guards precision in layers: it does nothing on a document whose spin evidence is
below ``min_evidence`` (clean text), flags only phrases the spinner is known to produce
(the model's flag table), skips protected spans and spans that earlier stages already cover,
and keeps an answer only when it differs from the span and its sequence probability reaches
``threshold``.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from ..document import Document
from ..edits import Edit
from ..evidence import SEED_GATE_EVIDENCE, seed_rule_fired
from ..text import overlaps, spelling_variant
from .data import WORD_RE, context_window, find_flags, format_source, phrase_key

DEFAULT_MODEL = "unspin-span-small"
_SPECIAL = re.compile(r"</?sp>|<pad>|<unk>|</?s>")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”‘'(\[\n]|\n\s*)\s*$")


def default_model_dir(name: str = DEFAULT_MODEL) -> Path | None:
    """Where the model ``name`` is: ``$UNSPIN_MODEL_DIR``, the repo's ``models/<name>``, or
    package data ``unspin/models/<name>``; ``None`` when it is nowhere."""
    env = os.environ.get("UNSPIN_MODEL_DIR")
    cands = [Path(env)] if env else []
    cands.append(Path(__file__).resolve().parents[3] / "models" / name)
    try:
        cands.append(Path(str(resources.files("unspin") / "models" / name)))
    except (ModuleNotFoundError, TypeError):
        pass
    for c in cands:
        if (c / "model.safetensors").exists():
            return c
    return None


def _only_variants(span: str, out: str) -> bool:
    """Whether ``out`` differs from ``span`` only by spelling or inflection variants
    ("neighboring" -> "neighbouring", "newly" -> "new"). The synthetic spinner learned them from
    WordNet's synsets, but in real text such an edit is a coin flip that changes the article's
    own spelling, so the model never makes it (as the lexicon never does).

    >>> _only_variants("neighboring", "neighbouring"), _only_variants("humans", "people")
    (True, False)
    """
    a, b = phrase_key(span).split(), phrase_key(out).split()
    return len(a) == len(b) and all(x == y or spelling_variant(x, y) for x, y in zip(a, b))


class ModelStage:
    """Proposes ``source="model"`` edits from the seq2seq span restorer.

    ``threshold``: least sequence probability of an answer; ``min_evidence``: least evidence
    of the text's own (``doc.own_evidence`` where the caller asserted more, else
    ``doc.evidence``) for the model to run at all; ``min_flag_ratio``: least share of
    sightings in which the spinner had produced a flagged phrase; ``threads``: torch threads
    used while the model runs (``None``: up to 4 of the machine's cores).
    """

    name = "model"

    def __init__(self, model_dir: str | Path | None = None, *, threshold: float = 0.6,
                 min_evidence: float = SEED_GATE_EVIDENCE, min_flag_ratio: float = 0.2,
                 batch_size: int = 64, threads: int | None = None,
                 skip_covered: bool = True) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self.threshold = threshold
        self.min_evidence = min_evidence
        self.min_flag_ratio = min_flag_ratio
        self.batch_size = batch_size
        self.threads = threads
        self.skip_covered = skip_covered
        self._restorer = None
        self._flags: dict | None = None

    @property
    def restorer(self):
        """The loaded :class:`~unspin.seq2seq.model.SpanRestorer` (loaded on first use)."""
        if self._restorer is None:
            from .model import load_restorer

            folder = self.model_dir or default_model_dir()
            if folder is None:
                raise FileNotFoundError(
                    f"model {DEFAULT_MODEL!r} is not installed: train it with "
                    "`unspin train configs/seq2seq-small.json` or pass use_model=False")
            self._restorer = load_restorer(folder)
            self._flags = {k: v for k, v in self._restorer.flags.items()
                           if v[0] / max(1, v[0] + v[1]) >= self.min_flag_ratio}
        return self._restorer

    def candidates(self, doc: Document) -> list[tuple[int, int]]:
        """The spans of ``doc`` the model will be asked about."""
        self.restorer
        covered = sorted((e.start, e.end) for e in doc.proposals) if self.skip_covered else []
        protected = doc.protected
        words = [(t.start, t.end) for t in doc.words]
        out = []
        for s, e in find_flags(doc.text, self._flags, words=words):
            span = doc.text[s:e]
            if overlaps(s, e, protected) or (covered and overlaps(s, e, covered)):
                continue
            if span.isupper() and len(span) > 1:
                continue  # acronyms
            if span[:1].isupper() and not _SENTENCE_START.search(doc.text[max(0, s - 6):s]):
                continue  # a capitalised word inside a sentence is most likely a name
            out.append((s, e))
        return out

    def propose(self, doc: Document) -> list[Edit]:
        """Model edits for ``doc`` (empty when the document does not look spun)."""
        # the text's own evidence, not one the caller asserted: the model learned whole spun
        # documents, and on lone sentences its swaps cost precision (hand-written seed
        # sentences with assume_spun: 75.8% closed at 91.9% precision with it, 80.2% at 100%
        # without)
        own = doc.evidence if doc.own_evidence is None else doc.own_evidence
        if own < self.min_evidence or not doc.text.strip():
            return []
        # The model learned the seed spinner family's habits: where the evidence comes only
        # from tortured scientific terms (PPS rules), its word swaps damage the carrier text.
        if not seed_rule_fired(doc.proposals):
            return []
        spans = self.candidates(doc)
        if not spans:
            return []
        r = self.restorer
        lw, rw = int(r.settings.get("left_words", 10)), int(r.settings.get("right_words", 6))
        sources = []
        for s, e in spans:
            left, right = context_window(doc.text, s, e, lw, rw)
            sources.append(format_source(left, doc.text[s:e], right))
        outs = self._generate(sources)
        edits = []
        for (s, e), (out, p) in zip(spans, outs):
            span = doc.text[s:e]
            if not out or out == span or p < self.threshold or _SPECIAL.search(out):
                continue
            if _only_variants(span, out):  # also the same phrase up to case and spacing
                continue
            n_span, n_out = len(WORD_RE.findall(span)), len(WORD_RE.findall(out))
            if n_out == 0 or n_out > 2 * n_span + 2:
                continue
            edits.append(Edit(s, e, span, out, "model", r.name, round(min(1.0, p), 4)))
        return edits

    def _generate(self, sources: list[str]) -> list[tuple[str, float]]:
        import torch

        before = torch.get_num_threads()
        want = self.threads or max(1, min(4, os.cpu_count() or 1))
        if want != before:
            torch.set_num_threads(want)
        try:
            return self.restorer.generate(sources, batch_size=self.batch_size)
        finally:
            if want != before:
                torch.set_num_threads(before)

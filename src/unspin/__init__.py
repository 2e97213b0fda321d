"""unspin: restore synonym-spun English text to its likely original wording.

>>> import unspin
>>> unspin.restore("The plan will now no longer work.", use_model=False).text
'The plan will not work.'

Two tiers, in the ftfy manner: :func:`restore` returns a :class:`Restoration` that carries
the text and explains itself (edits, spin score, JSON/HTML/diff/M2 reports);
:func:`apply_edits` replays its edits. :func:`detect` only screens. Nothing heavy (rule
automaton, lexicon, language model, seq2seq model) loads until first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .edits import Edit, apply_edits
from .pipeline import Restorer
from .restoration import Detection, Restoration, Span

__version__ = "0.1.0"

# Imported eagerly (it is light) so that the function, not the submodule, is ``unspin.detect``.
from .detect import detect  # noqa: E402
__all__ = ["restore", "detect", "restore_batch", "apply_edits", "Restorer", "Restoration",
           "Detection", "Span", "Edit", "__version__"]


@lru_cache(maxsize=8)
def _restorer(use_model: bool | None, options: tuple) -> Restorer:
    return Restorer(use_model=use_model, **dict(options))


def restore(text: str, *, use_model: bool | None = None, **options: Any) -> Restoration:
    """Restore spun ``text``; ``use_model=False`` never uses the seq2seq model.

    Options are :class:`Restorer` fields (``mode``, ``threshold``, ``use_lexicon``); a
    restorer for each combination is built once and reused.

    >>> r = restore("Prices rose with the aid of using 3%.", use_model=False)
    >>> r.text, [(e.original, e.source) for e in r.edits]
    ('Prices rose by 3%.', [('with the aid of using', 'rule')])
    """
    return _restorer(use_model, tuple(sorted(options.items()))).restore(text)


def restore_batch(batch: dict, column: str = "text", **options: Any) -> dict:
    """A ``datasets.Dataset.map(..., batched=True)`` function; see :mod:`unspin.batch`."""
    from .batch import restore_batch as _rb

    return _rb(batch, column=column, **options)

"""The seq2seq span restorer: synthetic training data, the model, training and the stage.

Nothing heavy loads at import: torch and transformers come in when a model is built or loaded.

* :mod:`.data` — corpora -> spun documents -> flagged-span examples (``datasets``)
* :mod:`.model` — the BART-style encoder-decoder, tokenizer, safetensors io, decoding
* :mod:`.train` — ``unspin train CONFIG``
* :mod:`.stage` — :class:`ModelStage`, the pipeline stage that proposes model edits
"""

from __future__ import annotations

__all__ = ["ModelStage", "default_model_dir"]


def __getattr__(name):
    if name in ("ModelStage", "default_model_dir"):
        from . import stage

        return getattr(stage, name)
    raise AttributeError(name)

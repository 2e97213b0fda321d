"""Which stages run after the rule table, by option: the lexicon and the seq2seq model.

Heavy modules (n-gram arrays, torch, transformers) are imported here, on first use of a
restorer, never at ``import unspin``.
"""

from __future__ import annotations

from .document import Stage


class ModelUnavailable(RuntimeError):
    """``use_model=True`` was asked for but no trained model is installed."""


def lexicon_stage(mode: str, threshold: float) -> Stage:
    from .context import LexiconStage

    return LexiconStage(mode=mode, threshold=threshold)


def term_stage(mode: str = "fast") -> Stage | None:
    """The term restorer (unseen tortured phrases), or ``None`` without its resource; in the
    accurate tier SmolLM2 gives a second opinion on its unsure candidates.

    ``$UNSPIN_TERMS`` points it at another resource file (e.g. a dev build from
    ``data/build_terms.py --pps-split train``); ``UNSPIN_TERMS=off`` turns it off.
    """
    import os

    from .terms import TermStage, resource_available

    path = os.environ.get("UNSPIN_TERMS") or None
    if path == "off" or not resource_available(path):
        return None
    if mode == "accurate":
        from .lm import get_scorer

        return TermStage(path=path, neural=get_scorer("accurate"))
    return TermStage(path=path)


def model_stage(required: bool) -> Stage | None:
    """The seq2seq stage, or ``None`` when no model is installed and none is required."""
    from .seq2seq.stage import ModelStage, default_model_dir

    model_dir = default_model_dir()
    if model_dir is None:
        if required:
            raise ModelUnavailable(
                "use_model=True but no trained model was found (models/<name>/model.safetensors"
                " or $UNSPIN_MODEL_DIR); train one with `unspin train configs/seq2seq-small.json`")
        return None
    return ModelStage(model_dir)


def later_stages(use_lexicon: bool, use_model: bool | None, mode: str,
                 threshold: float = 0.5) -> list[Stage]:
    """The lexicon and model stages the options ask for, in pipeline order."""
    stages: list[Stage] = []
    if use_lexicon:
        terms = term_stage(mode)
        if terms is not None:
            stages.append(terms)
        stages.append(lexicon_stage(mode, threshold))
    if use_model is not False:
        stage = model_stage(required=bool(use_model))
        if stage is not None:
            stages.append(stage)
    return stages

"""Which stages run after the rule table, by option (lexicon, seq2seq model)."""

from __future__ import annotations

from .document import Stage


def later_stages(use_lexicon: bool, use_model: bool | None, mode: str) -> list[Stage]:
    """Build the lexicon and model stages the options ask for (heavy imports happen here)."""
    stages: list[Stage] = []
    return stages

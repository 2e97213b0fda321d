"""Shared fixtures: a small rule table, a restorer over it, and corpus samples."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from unspin.pipeline import Restorer
from unspin.rules import load_rules

HERE = Path(__file__).parent
REPO = HERE.parent
FIXTURES = HERE / "fixtures"
MINI_RULES = FIXTURES / "mini-rules.jsonl"
SHARED = Path(os.environ.get("UNSPIN_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def mini_table():
    return load_rules([MINI_RULES])


@pytest.fixture(scope="session")
def mini_restorer(mini_table):
    return Restorer(rules=mini_table, use_lexicon=False, use_model=False)


def corpus_sample(name: str, n_docs: int = 20, max_chars: int = 4000) -> list[str]:
    """The first ``n_docs`` texts of a shared corpus (skips the test when it is absent)."""
    path = next((SHARED / "corpora" / name).glob("*.jsonl.gz"), None)
    if path is None:
        pytest.skip(f"shared corpus {name} not found under {SHARED}")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line)["text"][:max_chars])
            if len(out) >= n_docs:
                break
    return out

"""The dev/train split of the build scripts (``data/corpus_split.py``) for PPS pairs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "data" / "corpus_split.py"


@pytest.fixture(scope="module")
def split():
    spec = importlib.util.spec_from_file_location("corpus_split", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tsv(tmp_path: Path, rows) -> Path:
    p = tmp_path / "pps.tsv"
    p.write_text("tortured\texpected\tnum_papers\n"
                 + "".join(f"{t}\t{e}\t{n}\n" for t, e, n in rows), encoding="utf-8")
    return p


def test_variant_split_keeps_each_terms_most_common_form(split, tmp_path):
    # twelve made-up forms of one term: a third or so are held out, never the most common
    forms = [(f"form{i} learning", "deep learning", 100 - i) for i in range(12)]
    assert not split.pps_is_heldout("deep learning")  # a train-split term
    path = _tsv(tmp_path, forms + [("lone form", "single term", 3)])
    held = split.read_pps(path, "variants-heldout")
    train = split.read_pps(path, "variants-train")
    assert held and len(held) < 12
    assert ("form0 learning", "deep learning", 100) in train  # the most common form stays
    assert ("lone form", "single term", 3) in train           # a term with one form stays
    assert sorted(held + train) == sorted(split.read_pps(path, "all"))


def test_term_split_and_variant_split_do_not_overlap(split, tmp_path):
    rows = split.read_pps(split="all") if split.DEFAULT_PPS.exists() else []
    if not rows:
        pytest.skip("../shared/tortured-phrases/pps_dev.tsv is not here")
    held_terms = {e for _, e, _ in split.read_pps(split="heldout")}
    held_forms = split.read_pps(split="variants-heldout")
    assert held_forms and not any(e in held_terms for _, e, _ in held_forms)


def test_unknown_split_is_an_error(split, tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        split.read_pps(_tsv(tmp_path, []), "dev")

"""The seq2seq span restorer: data, a tiny training run, safetensors round trip, the stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from unspin.document import Document  # noqa: E402
from unspin.edits import apply_edits, check_edits  # noqa: E402
from unspin.seq2seq.data import (context_window, find_flags, format_source,  # noqa: E402
                                 read_corpora, span_examples, split_of, upgrade_source)
from unspin.seq2seq.stage import ModelStage, default_model_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "seq2seq-tiny.json"


# ------------------------------------------------------------------------------ data


def test_format_and_context():
    text = "one two three four five six\nseven eight"
    s = text.index("four")
    left, right = context_window(text, s, s + 4, left_words=2, right_words=1)
    assert (left, right) == ("two three", "five")
    assert format_source(left, "four", right) == "four </sp> two three <sp> five"
    assert upgrade_source("two three <sp> four </sp> five") == format_source(left, "four", right)
    # context stops at the paragraph end
    s = text.index("six")
    assert context_window(text, s, s + 3, 1, 3)[1] == ""


def test_find_flags_longest_first():
    table = {"now no longer": [5, 0], "no": [1, 9], "paintings": [3, 1]}
    text = "We can now no longer paintings, no."
    spans = [text[s:e] for s, e in find_flags(text, table)]
    assert spans == ["now no longer", "paintings", "no"]


def test_split_is_deterministic():
    assert split_of("doc-1") == split_of("doc-1")
    splits = {split_of(f"d{i}") for i in range(400)}
    assert splits == {"train", "dev", "test"}


def test_reuters_and_bbc_are_refused(tmp_path):
    with pytest.raises(ValueError):
        list(read_corpora(tmp_path, ["reuters21578"]))
    with pytest.raises(ValueError):
        list(read_corpora(tmp_path, ["bbc_news"]))


def test_span_examples_targets():
    from unspin.spinner import spin

    src = "They did not work on it because it was late."
    s = spin(src, style="seed", rate=0.0, seed=0)
    rec = {"id": "x#0", "doc_id": "x", "style": "seed", "spun_text": s.text,
           "alignment": [dict(zip(("orig_start", "orig_end", "spun_start", "spun_end", "orig",
                                   "spun"), a)) for a in s.alignment]}
    table = {"now no longer": [9, 0], "late": [3, 3]}
    exs = span_examples(rec, table)
    by_span = {e["span"]: e for e in exs}
    assert by_span["now no longer"]["target"] == "not"
    assert by_span["now no longer"]["changed"]
    assert by_span["late"]["target"] == "late" and not by_span["late"]["changed"]


# ------------------------------------------------------------------------------ training


def _train_tiny(tmp, kind):
    from unspin.seq2seq.train import main

    cfg = json.loads(TINY.read_text())
    cfg.update(data_dir=str(tmp / "data"), output_dir=str(tmp / "model"),
               work_dir=str(tmp / "run"), fixture=str(REPO / cfg["fixture"]), kind=kind)
    path = tmp / "tiny.json"
    path.write_text(json.dumps(cfg))
    assert main([str(path), "--root", str(REPO)]) == 0
    return tmp, path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """Train the tiny (classifier) config for a few steps on the fixture (seconds)."""
    return _train_tiny(tmp_path_factory.mktemp("tiny"), "classifier")


@pytest.fixture(scope="module")
def tiny_encdec(tmp_path_factory):
    """The same with the encoder-decoder design."""
    return _train_tiny(tmp_path_factory.mktemp("tiny-encdec"), "seq2seq")


def test_tiny_training_writes_model_and_metrics(tiny_model):
    tmp, _ = tiny_model
    for name in ("model.safetensors", "config.json", "tokenizer.json", "flags.json",
                 "unspin.json", "train_metrics.json"):
        assert (tmp / "model" / name).exists(), name
    events = [json.loads(x)["event"] for x in (tmp / "run" / "metrics.jsonl").open()]
    assert events[0] == "start" and events[-1] == "final" and "train" not in events[:1]
    assert not list((tmp / "model").glob("*.bin")) and not list((tmp / "model").glob("*.pt"))


def test_resume_from_checkpoint(tiny_model, capsys):
    from unspin.seq2seq.train import main

    tmp, path = tiny_model
    assert main([str(path), "--root", str(REPO), "--max-steps", "25"]) == 0
    assert "resumed from step 20" in capsys.readouterr().out
    final = [json.loads(x) for x in (tmp / "run" / "metrics.jsonl").open()][-1]
    assert final["event"] == "final" and final["step"] == 25


@pytest.mark.parametrize("which", ["tiny_model", "tiny_encdec"])
def test_safetensors_roundtrip(which, request, tmp_path):
    from unspin.seq2seq.model import load_restorer

    tmp, _ = request.getfixturevalue(which)
    a = load_restorer(tmp / "model")
    a.save(tmp_path / "copy")
    b = load_restorer(tmp_path / "copy")
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    src = [format_source("we will", "paintings", "with them"),
           format_source("it", "changed into", "late")]
    assert a.generate(src) == b.generate(src)
    assert not list(tmp.glob("model/*.bin")) and not list(tmp.glob("model/*.pt"))


@pytest.mark.parametrize("which", ["tiny_model", "tiny_encdec"])
def test_generate_gives_probabilities(which, request):
    from unspin.seq2seq.model import load_restorer

    r = load_restorer(request.getfixturevalue(which)[0] / "model")
    outs = r.generate([format_source("a", "b", "c"), format_source("x y", "now no longer", "z")] * 3,
                      batch_size=4)
    assert len(outs) == 6
    assert all(isinstance(t, str) and 0.0 <= p <= 1.0 for t, p in outs)
    assert outs[0] == outs[2]


def test_encdec_training_resumes(tiny_encdec, capsys):
    from unspin.seq2seq.train import main

    tmp, path = tiny_encdec
    assert main([str(path), "--root", str(REPO), "--max-steps", "22"]) == 0
    assert "resumed from step 20" in capsys.readouterr().out


# ------------------------------------------------------------------------------ the stage

SPUN = ("The council stated that it could now no longer paintings with the small village "
        "due to the fact the want is great.")


def test_stage_loads_lazily():
    stage = ModelStage("/nonexistent")
    assert stage._restorer is None
    assert stage.propose(Document("Clean text.", evidence=0.0)) == []  # no load needed


def _seed_rule_doc(text: str) -> Document:
    """A spun document as the stage meets it: evidence, and a seed-tier rule proposal."""
    from unspin.edits import Edit

    doc = Document(text, evidence=1.0)
    i = text.index("now no longer")  # what the rule table would have found
    doc.proposals = [Edit(i, i + 13, "now no longer", "not", "rule", "seed.now-no-longer", 0.99)]
    return doc


def test_stage_proposes_valid_edits(tiny_model, monkeypatch):
    stage = ModelStage(tiny_model[0] / "model", threshold=0.0, min_flag_ratio=0.0)
    doc = _seed_rule_doc(SPUN)
    spans = stage.candidates(doc)
    assert spans
    # The tiny model itself: whatever it answers must be well-formed edits.
    for e in stage.propose(doc):
        assert e.source == "model" and e.rule_id == "model" and 0.0 <= e.confidence <= 1.0
        assert doc.text[e.start:e.end] == e.original != e.replacement
    # A model that answers every span: one edit per span, at its offsets, replayable.
    monkeypatch.setattr(stage, "_generate", lambda srcs: [("work", 0.9)] * len(srcs))
    edits = stage.propose(doc)
    assert [(e.start, e.end) for e in edits] == spans
    assert all(e.replacement == "work" and e.confidence == 0.9 for e in edits)
    check_edits(doc.text, sorted(edits))
    assert apply_edits(doc.text, edits).count("work") == len(spans)
    # Below the threshold nothing is proposed.
    monkeypatch.setattr(stage, "_generate", lambda srcs: [("work", 0.4)] * len(srcs))
    stage.threshold = 0.5
    assert stage.propose(doc) == []


def test_stage_needs_evidence_and_a_seed_family_rule(tiny_model, monkeypatch):
    stage = ModelStage(tiny_model[0] / "model", threshold=0.0, min_flag_ratio=0.0)
    monkeypatch.setattr(stage, "_generate", lambda srcs: [("work", 0.9)] * len(srcs))
    assert stage.propose(_seed_rule_doc(SPUN))  # the stub answers when the stage asks
    clean = _seed_rule_doc(SPUN)
    clean.evidence = 0.0
    assert stage.propose(clean) == []
    assert stage.propose(Document(SPUN, evidence=1.0)) == []  # no seed-family rule fired
    # evidence the caller asserted (assume_spun) is not the text's own: the model waits
    told = _seed_rule_doc(SPUN)
    told.own_evidence = 0.05
    assert stage.propose(told) == []


def test_stage_never_fires_on_protected(tiny_model, monkeypatch):
    stage = ModelStage(tiny_model[0] / "model", threshold=0.0, min_flag_ratio=0.0)
    monkeypatch.setattr(stage, "_generate", lambda srcs: [("work", 0.9)] * len(srcs))
    url = "see https://example.org/paintings/stated now no longer paintings"
    doc = _seed_rule_doc(url)
    edits = stage.propose(doc)
    assert edits  # the last "paintings", outside the URL
    for e in edits:
        assert e.start >= url.index(" now")


def test_stage_never_proposes_a_spelling_variant(tiny_model, monkeypatch):
    stage = ModelStage(tiny_model[0] / "model", threshold=0.0, min_flag_ratio=0.0)
    doc = _seed_rule_doc(SPUN)
    spans = stage.candidates(doc)
    assert spans
    variant = {SPUN[s:e]: SPUN[s:e] + "s" for s, e in spans}  # "paintings" -> "paintingss"
    monkeypatch.setattr(stage, "_generate", lambda srcs: [
        (variant[SPUN[s:e]], 0.99) for s, e in spans])
    assert stage.propose(doc) == []
    monkeypatch.setattr(stage, "_generate", lambda srcs: [("xylophone", 0.99) for _ in spans])
    assert len(stage.propose(doc)) == len(spans)


def test_stage_skips_spans_covered_by_rules(tiny_model):
    from unspin.edits import Edit

    stage = ModelStage(tiny_model[0] / "model", threshold=0.0, min_flag_ratio=0.0)
    doc = Document(SPUN, evidence=1.0)
    cands = stage.candidates(doc)
    assert cands
    s, e = cands[0]
    doc.proposals = [Edit(s, e, SPUN[s:e], "x", "rule", "r", 0.9)]
    assert (s, e) not in stage.candidates(doc)


# ------------------------------------------------------------------------------ shipped model

shipped = pytest.mark.skipif(default_model_dir() is None, reason="no shipped model")


@shipped
def test_shipped_model_restores_a_spun_sentence():
    from unspin.pipeline import Restorer

    stage = ModelStage()
    text = "The council stated it would now no longer pressure nearby corporations to act."
    doc = Restorer(use_lexicon=False, use_model=False).propose(text)  # rules ran first
    edits = stage.propose(doc)
    out = apply_edits(text, sorted(edits))
    assert out != text and all(e.source == "model" for e in edits)
    assert not any(e.start < p.end and p.start < e.end for e in edits for p in doc.proposals)
    check_edits(text, sorted(edits))


@shipped
def test_shipped_model_quiet_where_only_tortured_terms_are_evidence():
    from unspin.pipeline import Restorer

    text = "In this study we train a profound learning model on the counterfeit consciousness data."
    doc = Restorer(use_lexicon=False, use_model=False).propose(text)
    assert doc.evidence > 0.5 and all(p.rule_id.startswith("pps.") for p in doc.proposals)
    assert ModelStage().propose(doc) == []


@shipped
def test_shipped_model_quiet_on_clean_text():
    stage = ModelStage()
    text = "The ministers said the plan was designed to protect the region from floods."
    assert stage.propose(Document(text, evidence=0.0)) == []

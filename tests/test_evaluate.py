"""The evaluation harness: metrics on tiny hand-checked cases, and the CLI entry point."""

import json

from unspin.evaluate import edit_distance, evaluate, format_report, main, read_pairs

PAIRS = [("he stated the brand new plan", "he said the new plan"),
         ("it is fine", "it is fine")]


def fixer(text):
    return text.replace("stated", "said")


def test_edit_distance():
    assert edit_distance([], []) == 0
    assert edit_distance("a b".split(), "a b".split()) == 0
    assert edit_distance("a b c".split(), "a x c d".split()) == 2


def test_metrics_partial_restoration():
    m = evaluate(PAIRS, fixer)
    assert m["pairs"] == 2
    assert m["wer_spun"] > m["wer_restored"] > 0
    # spun->orig distance 2 (stated->said, delete "brand"), restored->orig 1
    assert abs(m["closed"] - 1 / 2) < 1e-9
    assert m["gold_edits"] == 2 and m["gold_exact"] == 0.5
    assert m["precision"] == 1.0
    assert 0 < m["recall"] < 1
    assert m["clean_damage"] == 0.0
    assert m["words_per_s"] > 0


def test_clean_damage_counts_changes_to_the_original():
    m = evaluate([("a said b", "a said b")], lambda t: t.replace("said", "stated"))
    assert m["clean_damage"] > 0 and m["closed"] == 0.0
    assert m["precision"] == 0.0


def test_identity_restorer():
    m = evaluate(PAIRS, lambda t: t)
    assert m["closed"] == 0.0 and m["recall"] == 0.0


def test_format_report_lists_metrics():
    out = format_report(evaluate(PAIRS, fixer), "demo")
    assert out.splitlines()[0] == "demo"
    for label in ("WER spun->orig", "distance closed", "gold edits exact", "clean damage",
                  "words/s"):
        assert label in out


def test_read_pairs_and_bad_line(tmp_path):
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps({"spun": "a", "orig": "b"}) + "\n\n{bad\n", encoding="utf-8")
    try:
        read_pairs(str(p))
    except ValueError as exc:
        assert ":3:" in str(exc)
    else:
        raise AssertionError("bad line accepted")


def test_main_runs_on_a_file(tmp_path, capsys):
    p = tmp_path / "p.jsonl"
    p.write_text("".join(json.dumps({"spun": s, "orig": o}) + "\n" for s, o in PAIRS),
                 encoding="utf-8")
    assert main([str(p), "--json", "--no-model"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[str(p)]["pairs"] == 2
    assert main([str(tmp_path / "missing.jsonl")]) == 1

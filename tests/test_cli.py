"""The command line: golden outputs and the bad-input matrix."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unspin.cli import main
from unspin.edits import Edit, apply_edits

from conftest import FIXTURES, MINI_RULES

GOLDEN = Path(__file__).parent / "golden"
BASE = ["--rules", str(MINI_RULES), "--no-lexicon", "--no-model", "-q"]


def run(*args: str) -> int:
    return main(["restore", *args, *BASE])


def test_golden_outputs(tmp_path):
    src = FIXTURES / "cli-input.txt"
    assert run(str(src), "-o", str(tmp_path), "--report", "json,html,diff,m2") == 0
    for suffix in (".restored.txt", ".report.json", ".report.html", ".diff", ".m2"):
        got = (tmp_path / f"cli-input{suffix}").read_text(encoding="utf-8")
        got = got.replace(str(src).lstrip("/"), "INPUT").replace(str(MINI_RULES), "RULES")
        want_path = GOLDEN / f"cli-input{suffix}"
        if os.environ.get("UNSPIN_REGEN_GOLDEN"):
            want_path.write_text(got, encoding="utf-8")
        assert got == want_path.read_text(encoding="utf-8"), suffix


def test_report_edits_replay_to_restored_text(tmp_path):
    src = FIXTURES / "cli-input.txt"
    assert run(str(src), "-o", str(tmp_path)) == 0
    rep = json.loads((tmp_path / "cli-input.report.json").read_text(encoding="utf-8"))
    text = src.read_text(encoding="utf-8")
    assert apply_edits(text, [Edit.from_dict(d) for d in rep["edits"]]) == \
        (tmp_path / "cli-input.restored.txt").read_text(encoding="utf-8")


@pytest.fixture
def messy(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "good.txt").write_bytes(b"It will now no longer rain.\n")
    (d / "crlf.txt").write_bytes(b"\xef\xbb\xbfnow no longer\r\nmixed\nends\r\n")
    (d / "sub" / "deep.txt").write_bytes(b"made with the aid of using hand")
    (d / "empty.txt").write_bytes(b"")
    (d / "latin1.txt").write_bytes(b"caf\xe9 now no longer")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (d / "notes.md").write_bytes(b"not matched by the default glob")
    return d


def test_bad_input_matrix(messy, tmp_path, capsys):
    before = {p: p.read_bytes() for p in messy.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    code = run(str(messy), str(tmp_path / "missing.txt"), "-o", str(out))
    err = capsys.readouterr().err
    assert code == 1
    assert "latin1.txt: invalid UTF-8 at byte 3" in err
    assert "binary.txt: binary file" in err and "missing.txt: no such file" in err
    assert "Traceback" not in err
    assert (out / "good.restored.txt").read_text() == "It will not rain.\n"
    assert (out / "crlf.restored.txt").read_bytes() == b"\xef\xbb\xbfnot\r\nmixed\nends\r\n"
    assert (out / "sub" / "deep.restored.txt").read_text() == "made by hand"
    assert (out / "empty.restored.txt").read_bytes() == b""
    assert json.loads((out / "empty.report.json").read_text())["edits"] == []
    assert not (out / "latin1.restored.txt").exists() and not (out / "binary.report.json").exists()
    assert not (out / "notes.restored.txt").exists()
    assert not list(out.rglob("*.unspin-tmp"))
    assert {p: p.read_bytes() for p in messy.rglob("*") if p.is_file()} == before


def test_output_folder_equal_to_input_folder_never_overwrites(tmp_path):
    d = tmp_path / "same"
    d.mkdir()
    (d / "a.txt").write_text("now no longer here")
    (d / "a.restored.txt").write_text("an input that happens to look like an output")
    assert run(str(d / "a.txt"), str(d / "a.restored.txt"), "-o", str(d)) == 1
    assert (d / "a.txt").read_text() == "now no longer here"
    assert (d / "a.restored.txt").read_text() == "an input that happens to look like an output"
    # Rerunning over the folder skips unspin's own outputs instead of restoring them again.
    for p in d.glob("a.restored.*"):
        p.unlink()
    assert run(str(d), "-o", str(d)) == 0
    first = sorted(p.name for p in d.iterdir())
    assert run(str(d), "-o", str(d)) == 0
    assert sorted(p.name for p in d.iterdir()) == first
    assert (d / "a.restored.txt").read_text() == "not here"


def test_symlinked_output_subfolder_cannot_escape(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "x.txt").write_text("now no longer")
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    assert run(str(src), "-o", str(out)) == 1
    assert list(elsewhere.iterdir()) == []


def test_unreadable_file_is_named(tmp_path, monkeypatch, capsys):
    p = tmp_path / "secret.txt"
    p.write_text("now no longer")
    import builtins

    real_open = builtins.open

    def guarded(file, *a, **k):
        if str(file) == str(p):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", guarded)
    assert run(str(p), "-o", str(tmp_path / "o")) == 1
    assert "secret.txt: permission denied" in capsys.readouterr().err


def test_resume_skips_fresh_outputs(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("now no longer")
    out = tmp_path / "out"
    assert main(["restore", str(d), "-o", str(out), *BASE[:-1]]) == 0
    capsys.readouterr()
    assert main(["restore", str(d), "-o", str(out), "--resume", *BASE[:-1]]) == 0
    assert "restored 0 file(s)" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["restore", str(FIXTURES / "cli-input.txt")]) == 2  # no -o
    assert run(str(FIXTURES / "cli-input.txt"), "-o", str(tmp_path), "--report", "pdf") == 2
    with pytest.raises(SystemExit) as exc:
        main(["restore"])
    assert exc.value.code == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n")
    assert main(["restore", "-", "--rules", str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspin", *args], input=stdin,
                          capture_output=True, timeout=120)


def test_stdin_to_stdout_with_report(tmp_path):
    rep = tmp_path / "r.json"
    p = _cli("restore", "-", "--report", str(rep), *BASE, stdin=b"now no longer\r\nok\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"not\r\nok\n"
    assert json.loads(rep.read_text())["edits"][0]["replacement"] == "not"
    bad = _cli("restore", "-", *BASE, stdin=b"\xff\xfe")
    assert bad.returncode == 1 and b"<stdin>: invalid UTF-8 at byte 0" in bad.stderr
    assert b"Traceback" not in bad.stderr


def test_parallel_jobs_match_serial(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(6):
        (d / f"f{i}.txt").write_text(f"Doc {i}: now no longer with the aid of using ships.\n")
    assert run(str(d), "-o", str(tmp_path / "serial")) == 0
    assert run(str(d), "-o", str(tmp_path / "par"), "--jobs", "2") == 0
    for i in range(6):
        a = (tmp_path / "serial" / f"f{i}.restored.txt").read_text()
        assert a == (tmp_path / "par" / f"f{i}.restored.txt").read_text()
        assert a == f"Doc {i}: not by ships.\n"


def test_resume_redoes_outputs_made_with_other_options(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("now no longer")
    out = tmp_path / "out"
    assert main(["restore", str(d), "-o", str(out), *BASE]) == 0
    assert main(["restore", str(d), "-o", str(out), "--resume", "--threshold", "0.9", *BASE]) == 0
    rep = json.loads((out / "a.report.json").read_text())
    assert rep["options"]["threshold"] == 0.9


def test_stdin_report_needs_a_file_name(capsys):
    assert main(["restore", "-", "--report", "json", *BASE]) == 2
    assert "takes a FILE path" in capsys.readouterr().err


def test_every_report_counts_the_same_spin_score_and_evidence(tmp_path):
    """The API, a file's report and the stdin report agree on the summary figures (a file's
    report used to weigh edits by confidence only, and stdin's had no evidence)."""
    from unspin.pipeline import Restorer
    from unspin.rules import RuleTable, load_rules

    src = FIXTURES / "cli-input.txt"
    text = src.read_text(encoding="utf-8")
    api = Restorer(rules=RuleTable(load_rules([str(MINI_RULES)])), use_lexicon=False,
                   use_model=False).restore(text)
    assert run(str(src), "-o", str(tmp_path)) == 0
    file_rep = json.loads((tmp_path / "cli-input.report.json").read_text(encoding="utf-8"))
    rep = tmp_path / "stdin.json"
    assert _cli("restore", "-", "--report", str(rep), *BASE,
                stdin=text.encode("utf-8")).returncode == 0
    stdin_rep = json.loads(rep.read_text(encoding="utf-8"))
    for summary in (file_rep["summary"], stdin_rep["summary"]):
        assert summary["spin_score"] == round(api.spin_score, 4)
        assert summary["evidence"] == round(api.evidence, 4)
    assert api.evidence > 0.5  # the fixture has signature phrases


def test_assume_spun_flag_restores_a_lone_sentence_and_is_recorded(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("The rules are stated clearly.\n")
    out = tmp_path / "out"
    assert main(["restore", str(d), "-o", str(out), *BASE]) == 0
    assert (out / "a.restored.txt").read_text() == "The rules are stated clearly.\n"
    assert main(["restore", str(d), "-o", str(out), "--assume-spun", *BASE]) == 0
    assert (out / "a.restored.txt").read_text() == "The rules are said clearly.\n"
    rep = json.loads((out / "a.report.json").read_text())
    assert rep["options"]["assume_spun"] is True


@pytest.mark.parametrize("command", ["eval", "train"])
def test_pass_through_commands_show_their_own_help(command, capsys):
    # argparse.REMAINDER used to drop a leading "-h": "unspin eval -h" was a usage error.
    with pytest.raises(SystemExit) as exc:
        main(["--debug", command, "-h"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: unspin {command}")

"""Big inputs through the CLI: streamed in bounded memory, exact outputs, replayable reports,
no temporary files left; many small files; and a batch killed with SIGKILL then resumed.

The default run uses small sizes (5 MB file, a 3 MB single line, 500 files); ``-m slow``
runs the sizes the hardening issue names (100 MB, a 50 MB line, 10,000 files); so does
``UNSPIN_RUN_SLOW=1``.

The restorer is the test rule table (``tests/fixtures/mini-rules.jsonl``) with no lexicon and
no model, so expected outputs are known exactly: every input is a repeated unit whose
restoration is computed once through the API.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unspin.edits import Edit
from unspin.pipeline import Restorer
from unspin.rules import load_rules

from conftest import MINI_RULES

UNSPIN = [sys.executable, "-m", "unspin"]
FLAGS = ["--rules", str(MINI_RULES), "--no-lexicon", "--no-model", "-q"]

# One spun line (two signature phrases, so every chunk is surely spun and the weak "stated"
# rule fires everywhere) and nine clean lines with CRLF ends and non-ASCII characters.
SPUN_LINE = "The ministers will now no longer meet, an aide stated with the aid of using phone."
CLEAN_LINE = "Port talks stall as the harbour board waits — café “quotes” stay as they are."
UNIT = SPUN_LINE + "\n" + (CLEAN_LINE + "\r\n") * 9
WORDS_UNIT = SPUN_LINE + " " + CLEAN_LINE + " "


@pytest.fixture(scope="module")
def restorer():
    return Restorer(rules=load_rules([MINI_RULES]), use_lexicon=False, use_model=False)


def restored_unit(restorer, unit: str) -> str:
    out = restorer.restore(unit).text
    assert out != unit and restorer.restore(unit * 50).text == out * 50
    return out


def write_repeated(path: Path, unit: str, size: int) -> int:
    n = max(1, size // len(unit.encode("utf-8")))
    with open(path, "w", encoding="utf-8", newline="") as f:
        block = unit * max(1, min(n, (1 << 20) // len(unit)))
        per_block = block.count(unit[:20]) if unit[:20] else 1
        written = 0
        while written + per_block <= n:
            f.write(block)
            written += per_block
        f.write(unit * (n - written))
    return n


def sha_of_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def sha_of_repeated(unit: str, n: int) -> str:
    h = hashlib.sha256()
    data = unit.encode("utf-8")
    k = max(1, (1 << 20) // len(data))
    for _ in range(n // k):
        h.update(data * k)
    h.update(data * (n % k))
    return h.hexdigest()


def iter_report_edits(report: Path):
    """The edits of a JSON report, one at a time (the writer puts one edit on each line)."""
    with open(report, encoding="utf-8") as f:
        head = f.readline()
        assert head.startswith('{"schema": "unspin.report", "version": 1, "edits": [')
        for line in f:
            s = line.strip()
            if s.startswith('{"start"'):
                yield Edit.from_dict(json.loads(s.rstrip(",")))
            elif s.startswith("]"):
                return


def replay_sha(src: Path, report: Path) -> str:
    """sha256 of the report's edits replayed on ``src``, streaming both (bounded memory)."""
    h = hashlib.sha256()
    f = open(src, encoding="utf-8", newline="")
    buf, base = "", 0  # buf holds src[base:base + len(buf)]
    try:
        for e in iter_report_edits(report):
            while base + len(buf) < e.end:
                more = f.read(1 << 20)
                assert more, f"edit {e.start}:{e.end} is past the end of the input"
                buf += more
            i, j = e.start - base, e.end - base
            assert i >= 0 and buf[i:j] == e.original, f"edit at {e.start} does not match input"
            h.update(buf[:i].encode("utf-8"))
            h.update(e.replacement.encode("utf-8"))
            buf, base = buf[j:], e.end
        h.update(buf.encode("utf-8"))
        while more := f.read(1 << 20):
            h.update(more.encode("utf-8"))
    finally:
        f.close()
    return h.hexdigest()


# A small parent runs the CLI and reports the CLI's peak RSS: measured from the test process
# itself, ru_maxrss would include the pytest pages a forked child shares before exec.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print('RSS=%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n")


def run_cli(*args: str, timeout: float = 900) -> tuple[int, str, int]:
    """Run ``unspin``; return (exit code, stderr, peak RSS in KiB of the CLI process)."""
    try:
        p = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *UNSPIN, *args],
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"unspin {' '.join(args)} ran past {timeout}s")
    out = p.stdout.decode("utf-8", "replace").splitlines()
    rss = int(out[-1][4:]) if out and out[-1].startswith("RSS=") else 0
    return p.returncode, p.stderr.decode("utf-8", "replace"), rss


@pytest.fixture(autouse=True)
def _slow_only_when_asked(request):
    # pyproject's addopts does not deselect slow tests, so this module does it itself:
    # they run with `-m slow` (or UNSPIN_RUN_SLOW=1, as tests/test_lm.py uses).
    if request.node.get_closest_marker("slow") and "slow" not in (
            request.config.getoption("markexpr", "") or "") and not os.environ.get(
            "UNSPIN_RUN_SLOW"):
        pytest.skip("slow: run with -m slow")


@pytest.fixture(scope="module")
def baseline_rss(tmp_path_factory):
    d = tmp_path_factory.mktemp("baseline")
    (d / "tiny.txt").write_text(UNIT, encoding="utf-8")
    code, err, rss = run_cli("restore", str(d / "tiny.txt"), "-o", str(d / "out"), *FLAGS,
                             "--report", "json,html,m2")
    assert code == 0, err
    return rss


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith((".unspin-tmp", ".body"))]


def check_big_file(tmp_path, restorer, unit, size, baseline_rss, max_extra_mib, formats):
    src = tmp_path / "big.txt"
    n = write_repeated(src, unit, size)
    want_unit = restored_unit(restorer, unit)
    before = sha_of_file(src)
    out = tmp_path / "out"
    code, err, rss = run_cli("restore", str(src), "-o", str(out), *FLAGS, "--report", formats)
    assert code == 0, err
    assert "Traceback" not in err
    assert sha_of_file(src) == before, "the input changed"
    restored = out / "big.restored.txt"
    assert replay_sha(src, out / "big.report.json") == sha_of_file(restored), \
        "JSON report edits replayed on the input differ from the restored file"
    assert not leftovers(out), leftovers(out)
    expected = {"big.restored.txt"} | {
        {"json": "big.report.json", "html": "big.report.html", "m2": "big.m2",
         "diff": "big.diff"}[f] for f in formats.split(",")}
    assert {p.name for p in out.iterdir()} == expected
    html_tail = (out / "big.report.html").read_bytes()[-40:] if "html" in formats else b""
    assert not html_tail or html_tail.rstrip().endswith(b"</html>")
    extra_mib = (rss - baseline_rss) / 1024
    assert extra_mib < max_extra_mib, (
        f"peak RSS {rss / 1024:.0f} MiB is {extra_mib:.0f} MiB over a tiny file's "
        f"({baseline_rss / 1024:.0f} MiB) for a {size / 1e6:.0f} MB input: not streamed")
    return restored, want_unit, n


def check_exact(restored: Path, want_unit: str, n: int):
    assert sha_of_file(restored) == sha_of_repeated(want_unit, n), \
        "restored file differs from the unit's restoration repeated"


# ------------------------------------------------------------------ many lines

def test_5mb_file_streamed_exact(tmp_path, restorer, baseline_rss):
    restored, want, n = check_big_file(tmp_path, restorer, UNIT, 5_000_000, baseline_rss,
                                       max_extra_mib=80, formats="json,html,m2")
    check_exact(restored, want, n)


@pytest.mark.slow
def test_100mb_file_streamed_exact(tmp_path, restorer, baseline_rss):
    # Not streamed, 100 MB of text (UCS-2 in memory: 200 MB) plus its edits would be >300 MiB.
    restored, want, n = check_big_file(tmp_path, restorer, UNIT, 100_000_000, baseline_rss,
                                       max_extra_mib=120, formats="json,html,m2")
    check_exact(restored, want, n)


# ------------------------------------------------------------------ one huge line

def test_3mb_single_line_streamed_replayable(tmp_path, restorer, baseline_rss):
    check_big_file(tmp_path, restorer, WORDS_UNIT, 3_000_000, baseline_rss,
                   max_extra_mib=80, formats="json,html,m2")


# A line with no line end is cut at sentence ends, so no multi-word phrase is cut in two.
def test_3mb_single_line_exact(tmp_path, restorer, baseline_rss):
    restored, want, n = check_big_file(tmp_path, restorer, WORDS_UNIT, 3_000_000,
                                       baseline_rss, max_extra_mib=80, formats="json")
    check_exact(restored, want, n)


@pytest.mark.slow
def test_50mb_single_line_streamed_replayable(tmp_path, restorer, baseline_rss):
    check_big_file(tmp_path, restorer, WORDS_UNIT, 50_000_000, baseline_rss,
                   max_extra_mib=120, formats="json,html")


def test_api_single_line_exact_at_chunk_cuts(restorer):
    text = WORDS_UNIT * 3000  # ~480k characters, one line: several 100k-character chunks
    out = restorer.restore(text).text
    assert out == restored_unit(restorer, WORDS_UNIT) * 3000


# ------------------------------------------------------------------ diff report speed

# The diff is built from the edits' line ranges, so repeated lines cost nothing extra.
def test_diff_report_linear_on_repeated_lines():
    code = ("from unspin.report import diff_hunks\n"
            "from unspin.edits import Edit\n"
            "a = 'now no longer here\\n' + 'same line\\n' * 80000\n"
            "assert diff_hunks(a, [Edit(0, 13, 'now no longer', 'not')]).count('@@') == 2\n")
    try:
        subprocess.run([sys.executable, "-c", code], timeout=3, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("diff of 8,000 repeated lines took over 3 s")


# ------------------------------------------------------------------ many small files

def small_texts(n: int) -> dict[str, str]:
    variants = [UNIT, CLEAN_LINE + "\n", "", "\ufeff" + SPUN_LINE + "\r\n",
                "Made with the aid of using hand — now no longer by machine.\n" * 3,
                "A line without an end: weather extrude"]
    return {f"d{i // 1000:02d}/f{i:05d}.txt": variants[i % len(variants)] + f"#{i}\n"
            for i in range(n)}


def check_folder(tmp_path, restorer, n, jobs):
    src = tmp_path / "in"
    texts = small_texts(n)
    for rel, t in texts.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(t, encoding="utf-8", newline="")
    out = tmp_path / "out"
    code, err, _ = run_cli("restore", str(src), "-o", str(out), *FLAGS, "--report", "json",
                           "--jobs", str(jobs))
    assert code == 0, err
    assert not leftovers(out)
    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    stems = [rel[:-4] for rel in texts]
    assert names == {s + suf for s in stems for suf in (".restored.txt", ".report.json")}
    cache: dict[str, str] = {}
    for rel, t in texts.items():
        stem = out / rel[:-4]
        got = (Path(str(stem) + ".restored.txt")).read_bytes().decode("utf-8")
        if t not in cache:
            cache[t] = restorer.restore(t).text
        assert got == cache[t], rel
        if int(rel[-9:-4]) % 50 == 0:
            assert replay_sha(src / rel, Path(str(stem) + ".report.json")) == \
                hashlib.sha256(got.encode("utf-8")).hexdigest()


def test_500_small_files(tmp_path, restorer):
    check_folder(tmp_path, restorer, 500, jobs=2)


@pytest.mark.slow
def test_10000_small_files(tmp_path, restorer):
    check_folder(tmp_path, restorer, 10_000, jobs=2)


# ------------------------------------------------------------------ SIGKILL and --resume

def _kill_midway_then_resume(tmp_path, restorer, jobs: int):
    src = tmp_path / "in"
    src.mkdir()
    body = UNIT * 25  # ~22 KB a file
    texts = {f"doc{i:03d}.txt": body + f"file {i}\n" for i in range(240)}
    for name, t in texts.items():
        (src / name).write_text(t, encoding="utf-8", newline="")
    out = tmp_path / "out"
    args = [*UNSPIN, "restore", str(src), "-o", str(out), *FLAGS, "--report", "json,html",
            "--jobs", str(jobs)]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and p.poll() is None:
        done = len(list(out.glob("*.report.html"))) if out.exists() else 0
        if done >= 30:
            break
        time.sleep(0.02)
    assert p.poll() is None, "the batch finished before it could be killed; make it longer"
    os.killpg(p.pid, signal.SIGKILL)  # the CLI and any worker processes, mid-write
    p.wait()
    p.stderr.close()
    killed_at = len(list(out.glob("*.report.html")))
    assert 30 <= killed_at < len(texts)
    code, err, _ = run_cli("restore", str(src), "-o", str(out), *FLAGS, "--report", "json,html",
                           "--jobs", str(jobs), "--resume", "--glob", "*.txt")
    assert code == 0, err
    assert not leftovers(out), leftovers(out)
    want = {t: restorer.restore(t).text for t in set(texts.values())}
    for name, t in texts.items():
        stem = out / name[:-4]
        got = Path(str(stem) + ".restored.txt").read_bytes().decode("utf-8")
        assert got == want[t], name
        assert replay_sha(src / name, Path(str(stem) + ".report.json")) == \
            hashlib.sha256(want[t].encode("utf-8")).hexdigest(), name
        assert Path(str(stem) + ".report.html").read_text(encoding="utf-8").rstrip() \
            .endswith("</html>"), name
    assert {p.name for p in out.iterdir()} == {
        name[:-4] + suf for name in texts for suf in (".restored.txt", ".report.json",
                                                      ".report.html")}
    return killed_at


def test_sigkill_then_resume(tmp_path, restorer):
    _kill_midway_then_resume(tmp_path, restorer, jobs=1)


@pytest.mark.slow
def test_sigkill_then_resume_with_workers(tmp_path, restorer):
    _kill_midway_then_resume(tmp_path, restorer, jobs=2)

import json
import re

from unspin.report import SCHEMA_VERSION, m2, unified_diff


def test_json_report_replays(mini_restorer):
    from unspin.edits import Edit, apply_edits

    text = "One: now no longer.\nTwo: with the aid of using ships.\n"
    r = mini_restorer.restore(text)
    rep = json.loads(r.to_json(path="x.txt"))
    assert rep["version"] == SCHEMA_VERSION and rep["schema"] == "unspin.report"
    edits = [Edit.from_dict(d) for d in rep["edits"]]
    assert apply_edits(text, edits) == r.text
    assert rep["edits"][1]["line"] == 2 and rep["summary"]["edits"] == 2


def test_html_escapes_everything_and_is_self_contained(mini_restorer):
    r = mini_restorer.restore('<script>alert("x")</script> now no longer & "quotes"')
    page = r.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)=", page)
    assert 'title="rule: t.now-no-longer' in page
    assert "<del>now no longer</del><ins>not</ins>" in r._repr_html_()


def test_unified_diff_matches_difflib():
    import difflib
    import random

    from unspin.edits import Edit, apply_edits

    rng = random.Random(7)
    for trial in range(200):
        lines = [rng.choice(["x", "y z", "", "now no longer", "w\r"]) + rng.choice(["\n", "\r\n"])
                 for _ in range(rng.randint(1, 30))]
        before = "".join(lines) + rng.choice(["", "tail"])
        edits, pos = [], 0
        while True:
            i = before.find("no", pos)
            if i < 0:
                break
            if rng.random() < 0.5:
                repl = rng.choice(["NO", "", "n\no", "yes"])
                edits.append(Edit(i, i + 2, "no", repl))
            pos = i + 2
        after = apply_edits(before, edits)
        n = rng.choice([0, 1, 3])
        want = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                            "a/f", "b/f", n=n, lineterm="\n"))
        got = unified_diff(before, edits, "f", n)
        if before == after:
            assert got == "" or "@@" in got
            continue
        # Same hunks, modulo difflib's missing no-newline markers.
        assert _patch(before, got) == after, (before, got)
        assert [l for l in got.splitlines() if l.startswith("@@")] == \
            [l for l in want.splitlines() if l.startswith("@@")] or n == 0


def _patch(before: str, diff: str) -> str:
    """Apply our unified diff to ``before`` (a tiny patch for the test)."""
    import re

    src = before.splitlines(keepends=True)
    out, i = [], 0
    lines = diff.splitlines(keepends=True)[2:]
    k = 0
    while k < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+", lines[k])
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out.extend(src[i:start])
        i = start
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            tag, body = lines[k][0], lines[k][1:]
            if k + 1 < len(lines) and lines[k + 1].startswith("\\ No newline"):
                body = body[:-1]
                k += 1
            if tag == " ":
                out.append(src[i])
                i += 1
            elif tag == "-":
                i += 1
            elif tag == "+":
                out.append(body)
            k += 1
    out.extend(src[i:])
    return "".join(out)


def test_m2_token_spans(mini_restorer):
    r = mini_restorer.restore("It is now no longer late. It rains.")
    out = m2(r.source_text, r.edits)
    assert out.splitlines()[:2] == ["S It is now no longer late .",
                                    "A 2 5|||R:SPIN|||not|||REQUIRED|||-NONE-|||0"]
    assert "S It rains ." in out

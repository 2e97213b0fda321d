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


def test_unified_diff_applies_cleanly():
    before, after = "a\nb\nc\n", "a\nB\nc\n"
    d = unified_diff(before, after, "f.txt")
    assert d.startswith("--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n")
    assert "-b\n+B\n" in d
    assert unified_diff(before, before) == ""


def test_m2_token_spans(mini_restorer):
    r = mini_restorer.restore("It is now no longer late. It rains.")
    out = m2(r.source_text, r.edits)
    assert out.splitlines()[:2] == ["S It is now no longer late .",
                                    "A 2 5|||R:SPIN|||not|||REQUIRED|||-NONE-|||0"]
    assert "S It rains ." in out

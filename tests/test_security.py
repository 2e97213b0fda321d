"""Security: reports escape everything that comes from the input, and model weights are only
ever loaded from safetensors (no pickle anywhere in the package)."""

from __future__ import annotations

import ast
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import unspin
from unspin.cli import main
from unspin.edits import Edit
from unspin.pipeline import Restorer
from unspin.restoration import Restoration
from unspin.rules import load_rules

from conftest import MINI_RULES, REPO

PACKAGE = REPO / "src" / "unspin"
HOSTILE = ('<script>alert("x")</script> It will now no longer rain. '
           '" onmouseover="alert(1)" x=\' <img src=x onerror=alert(2)> '
           'Made with the aid of using <b>hand</b> &amp; &lt;tags&gt;.\n')

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "div", "span", "del",
                "ins"}
ALLOWED_ATTRS = {"lang", "charset", "class", "title"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def assert_inert(page: str, source: str):
    """Only the report's own tags and attributes; the input's markup survives as text."""
    assert "<script" not in page.lower() and "<img" not in page.lower()
    p = _Collector()
    p.feed(page)
    p.close()
    tags = {t for t, _ in p.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    attrs = {a for _, d in p.tags for a in d}
    assert attrs <= ALLOWED_ATTRS, attrs - ALLOWED_ATTRS
    text = "".join(p.text)
    for fragment in ('<script>alert("x")</script>', '" onmouseover="alert(1)" x=\'',
                     "<img src=x onerror=alert(2)>", "<b>hand</b>", "&amp; &lt;tags&gt;"):
        if fragment in source:
            assert fragment in text, f"{fragment!r} did not survive as plain text"
    return p


@pytest.fixture(scope="module")
def restorer():
    return Restorer(rules=load_rules([MINI_RULES]), use_lexicon=False, use_model=False)


def test_html_page_and_fragment_escape_input(restorer):
    r = restorer.restore(HOSTILE)
    assert len(r.edits) >= 2
    assert_inert(r.to_html(title='t"><script>x</script>'), HOSTILE)
    assert_inert(r._repr_html_(), HOSTILE)


def test_hostile_edit_fields_stay_in_their_attribute():
    # An edit whose strings and rule id try to break out of the title="" attribute.
    text = 'a "q" b'
    e = Edit(2, 5, '"q"', '"><script>alert(1)</script>', "rule",
             "x\" onmouseover=\"alert('id')", 0.9)
    r = Restoration.from_edits(text, [e], 0.5)
    for page in (r.to_html(), r._repr_html_()):
        p = assert_inert(page, text)
        spans = [d for t, d in p.tags if t == "span"]
        assert len(spans) == 1 and set(spans[0]) == {"class", "title"}
        assert "x\" onmouseover=\"alert('id')" in spans[0]["title"]
        assert '"><script>alert(1)</script>' in "".join(p.text)


def test_cli_html_report_escapes_input_and_file_name(tmp_path):
    src = tmp_path / 'in<script>"x".txt'
    src.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["restore", str(src), "-o", str(out), "--rules", str(MINI_RULES),
                 "--no-lexicon", "--no-model", "-q", "--report", "json,html"])
    assert code == 0
    page = (out / 'in<script>"x".report.html').read_text(encoding="utf-8")
    assert_inert(page, HOSTILE)
    rep = json.loads((out / 'in<script>"x".report.json').read_text(encoding="utf-8"))
    assert len(rep["edits"]) >= 2  # the edits are in the page too, as <span>s
    assert page.count('class="unspin-edit') == len(rep["edits"])


def test_stdin_html_report_escapes(tmp_path, monkeypatch, capsysbinary):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HOSTILE.encode("utf-8"))))
    report = tmp_path / "r.html"
    assert main(["restore", "-", "--report", str(report), "--rules", str(MINI_RULES),
                 "--no-lexicon", "--no-model"]) == 0
    assert_inert(report.read_text(encoding="utf-8"), HOSTILE)


# ------------------------------------------------------------------ no pickle

def _py_files():
    files = sorted(PACKAGE.rglob("*.py"))
    assert files
    return files


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (f"{ast.unparse(f.value)}.{f.attr}" if isinstance(f, ast.Attribute)
                    else getattr(f, "id", ""))
            yield name, {k.arg: k.value for k in node.keywords}, node


PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve",
                  "marshal"}


def test_package_never_imports_pickle_modules():
    bad = []
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            bad += [f"{path.relative_to(REPO)}:{node.lineno}: import {n}"
                    for n in names if n in PICKLE_MODULES]
    assert not bad, bad


def test_no_unsafe_loaders():
    """torch.load only with weights_only=True (tensors, no code); numpy without pickles;
    model weights themselves only through safetensors."""
    bad = []
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name, kw, node in _calls(tree):
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if name.endswith("torch.load") or name == "torch.load":
                wo = kw.get("weights_only")
                if not (isinstance(wo, ast.Constant) and wo.value is True):
                    bad.append(f"{where}: torch.load without weights_only=True")
            if name.endswith(("np.load", "numpy.load")):
                ap = kw.get("allow_pickle")
                if ap is not None and not (isinstance(ap, ast.Constant) and ap.value is False):
                    bad.append(f"{where}: np.load(allow_pickle=...)")
            if name.endswith(("torch.jit.load", "pd.read_pickle", "pandas.read_pickle")):
                bad.append(f"{where}: {name}")
            if name.endswith("load_state_dict") and any(
                    isinstance(a, ast.Call) and ast.unparse(a.func).endswith("torch.load")
                    for a in node.args):
                bad.append(f"{where}: model weights from torch.load")
    assert not bad, bad


def test_model_folder_without_safetensors_is_refused(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    from unspin.seq2seq.model import SpanRestorer
    from unspin.seq2seq.stage import default_model_dir

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    (folder / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        SpanRestorer.load(folder)
    import os

    old = os.environ.get("UNSPIN_MODEL_DIR")
    os.environ["UNSPIN_MODEL_DIR"] = str(folder)
    try:
        found = default_model_dir()
        assert found is None or (found / "model.safetensors").exists()
        assert found != folder
    finally:
        if old is None:
            del os.environ["UNSPIN_MODEL_DIR"]
        else:
            os.environ["UNSPIN_MODEL_DIR"] = old

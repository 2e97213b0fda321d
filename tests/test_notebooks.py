"""Every notebook in notebooks/ executes headless (nbclient) with no cell erroring.

The kernel is the Python running the tests (the set-up venv): a kernelspec pointing at
``sys.executable`` is written to a temporary Jupyter data folder, so nothing has to be
installed beyond ``bash scripts/setup.sh``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from conftest import REPO, SHARED

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KERNEL = "unspin-test-venv"


@pytest.fixture
def venv_kernel(tmp_path, monkeypatch):
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "unspin test venv", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return KERNEL


def execute(path: Path, kernel: str):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=kernel, timeout=600,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the cell on the first error
    return nb


def assert_no_errors(nb, path):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", \
                f"{path.name} cell {i}: {out.get('ename')}: {out.get('evalue')}"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, venv_kernel, monkeypatch):
    monkeypatch.setenv("UNSPIN_SHARED", str(SHARED))
    monkeypatch.setenv("UNSPIN_NB_DOCS", "5")
    nb = execute(path, venv_kernel)
    assert_no_errors(nb, path)
    html = [o for c in nb.cells for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    assert any("unspin-edit" in o["data"]["text/html"] or "unspin-root" in o["data"]["text/html"]
               for o in html), "no inline Restoration rendering"
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_shared(path, venv_kernel, monkeypatch, tmp_path):
    monkeypatch.setenv("UNSPIN_SHARED", str(tmp_path / "no-shared-here"))
    nb = execute(path, venv_kernel)
    assert_no_errors(nb, path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_committed_stripped(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: outputs in cells {dirty}; run scripts/strip_notebooks.py"

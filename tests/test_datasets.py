"""``unspin.restore_batch`` inside Hugging Face ``datasets``: batched ``map`` with
``num_proc=2`` over a real corpus sample, and ``Dataset.from_generator`` over files (the way
to clean data larger than memory: rows are written to Arrow on disk as they are generated).

Each restored row must equal ``unspin.restore`` of that row on its own.
"""

from __future__ import annotations

import json

import pytest

datasets = pytest.importorskip("datasets")

import unspin

from conftest import corpus_sample

OPTS = {"use_model": False}
COLUMNS = {"restored", "n_edits", "spin_score"}


def expected(texts):
    rs = [unspin.restore(t, **OPTS) for t in texts]
    return [r.text for r in rs], [len(r.edits) for r in rs], [r.spin_score for r in rs]


def assert_rows_match(ds, texts):
    restored, n_edits, scores = expected(texts)
    assert ds["restored"] == restored
    assert ds["n_edits"] == n_edits
    assert ds["spin_score"] == pytest.approx(scores, abs=1e-12)


@pytest.fixture(scope="module")
def ose_sample():
    # onestopenglish is the newswire-style corpus that ships (CC BY-SA); 40 docs, 4k chars each
    return corpus_sample("onestopenglish", n_docs=40, max_chars=4000)


def test_map_batched_num_proc_2(ose_sample, tmp_path):
    ds = datasets.Dataset.from_dict({"id": list(range(len(ose_sample))), "text": ose_sample})
    out = ds.map(unspin.restore_batch, batched=True, batch_size=8, num_proc=2, fn_kwargs=OPTS,
                 cache_file_name=str(tmp_path / "mapped.arrow"))
    assert COLUMNS <= set(out.column_names)
    assert out["text"] == ose_sample and out["id"] == list(range(len(ose_sample)))
    assert_rows_match(out, ose_sample)


def test_map_on_spun_text_finds_edits(ose_sample, tmp_path):
    spinner = pytest.importorskip("unspin.spinner")
    spun = [spinner.spin(t, style="seed", rate=0.3, seed=i).text
            for i, t in enumerate(ose_sample[:12])]
    ds = datasets.Dataset.from_dict({"text": spun})
    out = ds.map(unspin.restore_batch, batched=True, num_proc=2, fn_kwargs=OPTS,
                 cache_file_name=str(tmp_path / "spun.arrow"))
    assert_rows_match(out, spun)
    assert sum(out["n_edits"]) > 0, "nothing restored on spun newswire"


def test_map_other_column_prefix_and_none_rows(tmp_path):
    ds = datasets.Dataset.from_dict({"body": ["It is now no longer raining.", None, ""]})
    out = ds.map(unspin.restore_batch, batched=True,
                 fn_kwargs={**OPTS, "column": "body", "prefix": "u_", "keep_report": True})
    assert {"u_restored", "u_n_edits", "u_spin_score", "u_report"} <= set(out.column_names)
    assert out["u_restored"][1] is None and out["u_restored"][2] == ""
    report = json.loads(out["u_report"][0])
    edits = [unspin.Edit.from_dict(d) for d in report["edits"]]
    assert unspin.apply_edits(out["body"][0], edits) == out["u_restored"][0]


def _write_files(folder, texts):
    folder.mkdir()
    paths = []
    for i, t in enumerate(texts):
        p = folder / f"doc{i:03d}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(str(p))
    return paths


def _rows_from_files(paths):
    # a module-level generator: datasets hashes and (with num_proc) shards gen_kwargs lists
    for p in paths:
        with open(p, encoding="utf-8", newline="") as f:
            yield {"path": p, "text": f.read()}


def test_from_generator_over_files(ose_sample, tmp_path):
    paths = _write_files(tmp_path / "docs", ose_sample)
    ds = datasets.Dataset.from_generator(_rows_from_files, gen_kwargs={"paths": paths},
                                         cache_dir=str(tmp_path / "cache"))
    assert len(ds) == len(paths)
    out = ds.map(unspin.restore_batch, batched=True, batch_size=8, num_proc=2, fn_kwargs=OPTS,
                 cache_file_name=str(tmp_path / "gen-mapped.arrow"))
    assert out["path"] == paths
    assert_rows_match(out, ose_sample)


def test_iterable_dataset_streams(ose_sample, tmp_path):
    paths = _write_files(tmp_path / "docs", ose_sample[:10])
    ids = datasets.IterableDataset.from_generator(_rows_from_files, gen_kwargs={"paths": paths})
    rows = list(ids.map(unspin.restore_batch, batched=True, batch_size=4, fn_kwargs=OPTS))
    restored, n_edits, _ = expected(ose_sample[:10])
    assert [r["restored"] for r in rows] == restored
    assert [r["n_edits"] for r in rows] == n_edits


def test_example_pipeline_script(tmp_path):
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("datasets_pipeline",
                                                  REPO / "examples" / "datasets_pipeline.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    texts = {"a.txt": "It will now no longer rain.\n", "sub/b.txt": "Clean text stays.\n"}
    for name, t in texts.items():
        (folder / name).write_text(t, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert mod.main([str(folder), str(out), "--num-proc", "1"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == [texts["a.txt"], texts["sub/b.txt"]]
    assert [r["restored"] for r in rows] == expected(list(texts.values()))[0]

"""Batched restoration for ``datasets.Dataset.map(restore_batch, batched=True, num_proc=N)``.

The function is module-level and holds no state of its own, so it pickles for ``num_proc``;
each worker process builds its restorer once (see :func:`unspin.restore`).

>>> out = restore_batch({"text": ["It is now no longer raining.", "Clean text."]},
...                     use_model=False)
>>> out["restored"], out["n_edits"]
(['It is not raining.', 'Clean text.'], [1, 0])
"""

from __future__ import annotations

from typing import Any


def restore_batch(batch: dict, column: str = "text", *, prefix: str = "",
                  keep_report: bool = False, **options: Any) -> dict:
    """Restore ``batch[column]`` and add ``restored``, ``n_edits`` and ``spin_score`` columns.

    ``prefix`` is put before the new column names; ``keep_report=True`` also adds the JSON
    report of each row as ``report``. ``None`` rows stay ``None``.
    """
    from . import restore

    if column not in batch:
        raise KeyError(f"restore_batch: the batch has no column {column!r} "
                       f"(columns: {sorted(batch)}); pass column=...")
    restored, n_edits, scores, reports = [], [], [], []
    for text in batch[column]:
        if text is None:
            restored.append(None)
            n_edits.append(0)
            scores.append(None)
            reports.append(None)
            continue
        r = restore(text, **options)
        restored.append(r.text)
        n_edits.append(len(r.edits))
        scores.append(r.spin_score)
        if keep_report:
            reports.append(r.to_json(indent=None))
    out = {f"{prefix}restored": restored, f"{prefix}n_edits": n_edits,
           f"{prefix}spin_score": scores}
    if keep_report:
        out[f"{prefix}report"] = reports
    return out

"""One unit of batch work: restore one input file into its output files.

Kept apart from the CLI so worker processes can run it (``--jobs N``) and tests can call it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .fileio import InputError, iter_text_pieces, remove_stale_temps
from .writers import SUFFIXES, ReportSet

_RESTORER = None
_RESTORER_OPTIONS: dict | None = None


def init_worker(options: dict, restorer=None) -> None:
    """Give this process its restorer options (the restorer itself loads on first use, unless
    one built with these options is handed over)."""
    global _RESTORER, _RESTORER_OPTIONS
    _RESTORER_OPTIONS = options
    _RESTORER = restorer


def _restorer():
    global _RESTORER
    if _RESTORER is None:
        from .pipeline import Restorer

        _RESTORER = Restorer(**(_RESTORER_OPTIONS or {}))
    return _RESTORER


@dataclass
class Job:
    """Restore ``src`` into ``stem`` + suffixes; ``display`` names it in messages."""

    src: str
    stem: Path
    display: str
    formats: Sequence[str]


@dataclass
class JobResult:
    display: str
    status: str            # "ok", "skipped" (binary, up to date) or "error"
    message: str = ""
    words: int = 0
    edits: int = 0
    outputs: tuple[str, ...] = ()


def output_paths(stem: Path, formats: Sequence[str]) -> list[Path]:
    return [Path(str(stem) + SUFFIXES[k]) for k in ("text", *formats)]


def up_to_date(job: Job, options: dict | None = None) -> bool:
    """Whether every output exists, is newer than the input and, where a JSON report was
    written, was made with the same ``options`` and unspin version (for ``--resume``)."""
    try:
        src_mtime = os.stat(job.src).st_mtime
    except OSError:
        return False
    for p in output_paths(job.stem, job.formats):
        try:
            if p.stat().st_mtime < src_mtime:
                return False
        except OSError:
            return False
    if options is not None and "json" in job.formats:
        import json

        try:
            with open(str(job.stem) + SUFFIXES["json"], encoding="utf-8") as f:
                made_with = json.load(f).get("options")
        except (OSError, ValueError):
            return False
        if made_with != options_record(options):
            return False
    return True


def options_record(options: dict) -> dict:
    """The options as recorded in a JSON report (to tell whether outputs are current)."""
    from . import __version__

    rec = {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(options.items())}
    rec["unspin_version"] = __version__
    return rec


def run_job(job: Job) -> JobResult:
    """Restore one file; never raises for bad input, returns the reason instead."""
    restorer = _restorer()
    for p in output_paths(job.stem, job.formats):
        remove_stale_temps(p)
    try:
        reports = ReportSet(job.stem, job.formats, job.display,
                            options_record(_RESTORER_OPTIONS or {}))
    except OSError as exc:
        return JobResult(job.display, "error", f"{job.display}: cannot write outputs: "
                                               f"{exc.strerror or exc}")
    try:
        for piece in iter_text_pieces(job.src):
            r = restorer.restore(piece)
            reports.add(piece, r.text, r.edits, r.info.get("words", 0), r.evidence)
        reports.commit()
    except InputError as exc:
        reports.abort()
        return JobResult(job.display, exc.kind, str(exc))
    except OSError as exc:
        reports.abort()
        return JobResult(job.display, "error", f"{job.display}: write failed: "
                                               f"{exc.strerror or exc}")
    except BaseException:
        reports.abort()
        raise
    t = reports.totals
    return JobResult(job.display, "ok", words=t.words, edits=t.edits,
                     outputs=tuple(str(p) for p in reports.paths))

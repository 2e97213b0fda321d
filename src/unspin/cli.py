"""The ``unspin`` command line: a thin layer over the API.

    unspin restore PATH... -o OUTDIR [--glob '*.txt'] [--report json,html] [--jobs N]
    unspin restore - [--report FILE]          (stdin -> stdout)
    unspin detect PATH... [--json]
    unspin rules check [FILE...]
    unspin eval PAIRS.jsonl
    unspin train CONFIG.json

Exit codes: 0 everything done, 1 some inputs failed or were skipped, 2 usage error.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from .fileio import InputError
from .jobs import Job, JobResult, init_worker, run_job, up_to_date
from .writers import FORMATS, SUFFIXES

_OWN_OUTPUTS = tuple(SUFFIXES.values())


def _err(msg: str) -> None:
    print(f"unspin: {msg}", file=sys.stderr)


def _formats(value: str) -> list[str]:
    fmts = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown report format(s) {bad}; choose from {FORMATS}")
    return fmts


def _threshold(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError("the threshold must be between 0 and 1")
    return v


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="unspin", description="Restore synonym-spun English text.")
    p.add_argument("--version", action="version", version=f"unspin {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("restore", help="restore files or folders (or - for stdin)")
    r.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, or - for stdin")
    r.add_argument("-o", "--output", metavar="OUTDIR", help="folder for the outputs")
    r.add_argument("--glob", default="*.txt", help="file pattern inside folders (default *.txt)")
    r.add_argument("--report", default=None, metavar="FORMATS|FILE",
                   help="report formats among json,html,diff,m2 (default json,html); "
                        "with '-', a FILE for the report (JSON, or HTML/diff/M2 by its "
                        ".html/.diff/.m2 extension)")
    r.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    r.add_argument("--resume", action="store_true", help="skip inputs whose outputs are newer")
    _restorer_flags(r)
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")

    d = sub.add_parser("detect", help="print each file's spin score and flagged phrases")
    d.add_argument("paths", nargs="+", metavar="PATH")
    d.add_argument("--glob", default="*.txt")
    d.add_argument("--json", action="store_true", help="one JSON object per file")
    d.add_argument("--top", type=int, default=5, help="flagged phrases to show (default 5)")
    d.add_argument("--deep", action="store_true",
                   help="also score every word with the lexicon and n-gram model (slower)")

    rl = sub.add_parser("rules", help="rule table tools")
    rsub = rl.add_subparsers(dest="rules_command", required=True)
    rc = rsub.add_parser("check", help="validate the rule table and run every rule's examples")
    rc.add_argument("files", nargs="*", help="rule files (default: the bundled table)")

    sub.add_parser("eval", help="evaluate on spun/original pairs (JSONL)", add_help=False)
    sub.add_parser("train", help="train the seq2seq model from a JSON config", add_help=False)
    return p


def _restorer_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--no-model", dest="use_model", action="store_false", default=None,
                   help="do not use the seq2seq model")
    g.add_argument("--model", dest="use_model", action="store_true",
                   help="require the seq2seq model")
    p.add_argument("--no-lexicon", dest="use_lexicon", action="store_false",
                   help="rules (and model) only")
    p.add_argument("--mode", choices=("fast", "accurate"), default="fast",
                   help="lexicon scorer: fast n-gram (default) or accurate neural LM")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="use this rule file instead of the bundled table (repeatable)")
    p.add_argument("--add-rules", action="append", default=[], metavar="FILE",
                   help="add this rule file to the table (repeatable); your rules win ties")
    p.add_argument("--threshold", type=_threshold, default=0.5,
                   help="least confidence an edit needs (default 0.5)")
    p.add_argument("--assume-spun", action="store_true",
                   help="treat every input as spun (a sentence or paragraph you know is "
                        "spun): weak rules and the lexicon act without signature phrases; "
                        "clean text then changes too")


def _restorer_options(args: argparse.Namespace) -> dict:
    return {"use_model": args.use_model, "use_lexicon": args.use_lexicon, "mode": args.mode,
            "threshold": args.threshold, "rule_files": tuple(args.rules),
            "extra_rule_files": tuple(args.add_rules), "assume_spun": args.assume_spun}


def expand_inputs(paths: Sequence[str], pattern: str) -> tuple[list[tuple[str, Path]], list[str]]:
    """Files to process as (path, relative stem), and error messages for missing paths."""
    found: list[tuple[str, Path]] = []
    errors: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.endswith(_OWN_OUTPUTS):
                        continue
                    if fnmatch.fnmatch(name, pattern):
                        full = Path(root) / name
                        rel = full.relative_to(p)
                        found.append((str(full), rel.with_name(Path(name).stem)))
        elif p.exists() or p.is_symlink():
            found.append((raw, Path(p.stem)))
        else:
            errors.append(f"{raw}: no such file or directory")
    return found, errors


def plan_jobs(found: list[tuple[str, Path]], outdir: Path, formats: list[str]
              ) -> tuple[list[Job], list[str]]:
    """Jobs with safe output stems; errors for outputs that would overwrite an input,
    collide with another output or escape the output folder."""
    out_root = outdir.resolve()
    inputs = {Path(src).resolve() for src, _ in found}
    jobs: list[Job] = []
    errors: list[str] = []
    taken: set[Path] = set()
    for src, rel in found:
        stem = outdir / rel
        resolved = [Path(str(stem) + SUFFIXES[k]).resolve() for k in ("text", *formats)]
        if any(out_root not in r.parents for r in resolved):
            errors.append(f"{src}: output path leaves the output folder (symlink?); skipped")
        elif any(r in inputs for r in resolved):
            errors.append(f"{src}: an output would overwrite an input file; skipped")
        elif any(r in taken for r in resolved):
            errors.append(f"{src}: output name collides with another input's output; skipped")
        else:
            taken.update(resolved)
            jobs.append(Job(src, stem, src, formats))
    return jobs, errors


def cmd_restore(args: argparse.Namespace) -> int:
    if "-" in args.paths:
        if len(args.paths) > 1:
            _err("error: '-' (stdin) cannot be combined with other paths")
            return 2
        return _restore_stdin(args)
    if not args.output:
        _err("error: restore needs -o OUTDIR for files (or '-' to read stdin)")
        return 2
    try:
        formats = _formats(args.report or "json,html")
    except argparse.ArgumentTypeError as exc:
        _err(f"error: --report: {exc}")
        return 2
    if args.jobs < 1:
        _err("error: --jobs must be at least 1")
        return 2
    options = _restorer_options(args)
    checked = _rules_load(options)
    if checked is None:
        return 2
    outdir = Path(args.output)
    if outdir.exists() and not outdir.is_dir():
        _err(f"error: {outdir}: the output path exists and is not a folder")
        return 2
    t0 = time.perf_counter()
    found, errors = expand_inputs(args.paths, args.glob)
    for msg in errors:
        _err(f"error: {msg}")
    jobs, plan_errors = plan_jobs(found, outdir, formats)
    for msg in plan_errors:
        _err(f"error: {msg}")
    errors += plan_errors
    skipped_fresh = 0
    if args.resume:
        fresh = [j for j in jobs if up_to_date(j, options)]
        skipped_fresh = len(fresh)
        jobs = [j for j in jobs if j not in fresh]
    results = _run_jobs(jobs, options, args.jobs,
                        progress=not args.quiet and sys.stderr.isatty(), restorer=checked)
    bad = [r for r in results if r.status != "ok"]
    for r in bad:
        _err(("skipped: " if r.status == "skipped" else "error: ") + r.message)
    ok = [r for r in results if r.status == "ok"]
    if not args.quiet:
        secs = time.perf_counter() - t0
        words = sum(r.words for r in ok)
        _err(f"restored {len(ok)} file(s): {words:,} words, {sum(r.edits for r in ok):,} edits, "
             f"{secs:.1f}s; skipped {sum(r.status == 'skipped' for r in bad)}, "
             f"failed {sum(r.status == 'error' for r in bad) + len(errors)}"
             + (f", up to date {skipped_fresh}" if args.resume else "")
             + f" -> {outdir}")
    return 1 if (bad or errors) else 0


def _rules_load(options: dict):
    """Load the rule table once up front, so a bad rule file is one clear error; the
    restorer that loaded it (``None`` on error) serves a one-process run."""
    from .pipeline import Restorer
    from .rules import RuleTableError

    try:
        restorer = Restorer(**options)
        restorer.rule_stage
    except RuleTableError as exc:
        _err(f"error: rule table: {exc}")
        return None
    return restorer


def _run_jobs(jobs: list[Job], options: dict, n_jobs: int, progress: bool,
              restorer=None) -> list[JobResult]:
    bar = None
    if progress and jobs:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="file", file=sys.stderr)
    results: list[JobResult] = []
    if n_jobs == 1 or len(jobs) <= 1:
        init_worker(options, restorer)
        for job in jobs:
            results.append(run_job(job))
            if bar:
                bar.update()
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(n_jobs, initializer=init_worker, initargs=(options,)) as pool:
            for res in pool.map(run_job, jobs, chunksize=max(1, min(64, len(jobs) // (4 * n_jobs)))):
                results.append(res)
                if bar:
                    bar.update()
    if bar:
        bar.close()
    return results


def _restore_stdin(args: argparse.Namespace) -> int:
    from .fileio import iter_text_pieces
    from .restoration import Restoration

    options = _restorer_options(args)
    restorer = _rules_load(options)
    if restorer is None:
        return 2
    report_file = args.report
    if report_file and all(f.strip() in FORMATS for f in report_file.split(",")):
        _err(f"error: with '-', --report takes a FILE path, not the format {report_file!r} "
             f"(the format follows from its extension: .json, .html, .diff, .m2)")
        return 2
    pieces_in, edits = [], []
    out = sys.stdout
    offset = words = 0
    evidence = 0.0
    try:
        for piece in iter_text_pieces("-"):
            r = restorer.restore(piece)
            out.buffer.write(r.text.encode("utf-8")) if hasattr(out, "buffer") else out.write(r.text)
            if report_file:
                pieces_in.append(piece)
                edits.extend(e.shifted(offset) for e in r.edits)
                # the same figures a file's report has: words as the restorer counts them,
                # the strongest evidence of any piece
                words += r.info.get("words", 0)
                evidence = max(evidence, r.evidence)
            offset += len(piece)
        out.flush()
    except InputError as exc:
        _err(f"error: {str(exc).replace('-:', '<stdin>:', 1)}")
        return 1
    if report_file:
        from .fileio import AtomicWriter
        from .pipeline import spin_score

        text = "".join(pieces_in)
        res = Restoration.from_edits(text, edits, spin_score(edits, words), evidence)
        suffix = Path(report_file).suffix
        body = {".html": res.to_html, ".diff": res.unified_diff, ".m2": res.to_m2}.get(
            suffix, lambda: res.to_json(path="<stdin>") + "\n")()
        try:
            w = AtomicWriter(report_file)
            w.write(body)
            w.commit()
        except OSError as exc:
            _err(f"error: {report_file}: cannot write report: {exc.strerror or exc}")
            return 1
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    from . import detect
    from .fileio import read_text

    found, errors = expand_inputs(args.paths, args.glob)
    status = 1 if errors else 0
    for msg in errors:
        _err(f"error: {msg}")
    for src, _ in found:
        try:
            text = read_text(src)
        except InputError as exc:
            _err(("skipped: " if exc.kind == "skipped" else "error: ") + str(exc))
            status = 1
            continue
        d = detect(text, use_lexicon=args.deep)
        if args.json:
            print(json.dumps({"path": src, **d.to_dict()}, ensure_ascii=False))
        else:
            top = "; ".join(f"{s.phrase!r}->{s.likely_original!r}" for s in d.top(args.top))
            print(f"{d.score:.3f}\t{src}\t{top}")
    return status


def cmd_rules_check(args: argparse.Namespace) -> int:
    from .rulecheck import check_rules

    return check_rules(args.files)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``unspin`` command; returns the exit code."""
    parser = build_parser()
    # eval and train hand the rest of the line to their own parsers (which print their own
    # help); argparse.REMAINDER would drop a leading option such as "-h".
    args, rest = parser.parse_known_args(argv)
    if args.command in ("eval", "train"):
        args.args = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "restore":
            return cmd_restore(args)
        if args.command == "detect":
            return cmd_detect(args)
        if args.command == "rules":
            return cmd_rules_check(args)
        if args.command == "eval":
            from .evaluate import main as eval_main

            return eval_main(args.args)
        if args.command == "train":
            from .seq2seq.train import main as train_main

            return train_main(args.args)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as exc:  # a last guard: never show a traceback unless asked
        if args.debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
        return 1
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())

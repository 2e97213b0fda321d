"""Streaming report writers: a long file is restored piece by piece, and each writer takes
the pieces in order, so memory stays bounded and every output is written atomically."""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections import Counter
from pathlib import Path
from typing import Sequence

from .edits import Edit, spun_words
from .fileio import TMP_SUFFIX, AtomicWriter
from .report import (_CSS, SCHEMA, SCHEMA_VERSION, diff_header, diff_hunks, edit_dicts, m2,
                     render_inline)

FORMATS = ("json", "html", "diff", "m2")
SUFFIXES = {"text": ".restored.txt", "json": ".report.json", "html": ".report.html",
            "diff": ".diff", "m2": ".m2"}


class Totals:
    """Running figures over the pieces of one file."""

    def __init__(self) -> None:
        self.chars_in = self.chars_out = self.words = self.lines_in = self.lines_out = 0
        self.edits = 0
        self.words_changed = 0
        self.conf_sum = 0.0
        self.spun = 0.0  # expected spun words, as Restoration.spin_score counts them
        self.by_source: Counter = Counter()
        self.by_tier: Counter = Counter()
        self.evidence = 0.0
        self.sha_in = hashlib.sha256()
        self.sha_out = hashlib.sha256()

    def add(self, before: str, after: str, edits: Sequence[Edit], words: int, evidence: float):
        self.chars_in += len(before)
        self.chars_out += len(after)
        self.lines_in += before.count("\n")
        self.lines_out += after.count("\n")
        self.words += words
        self.edits += len(edits)
        self.words_changed += sum(len(e.original.split()) for e in edits)
        self.conf_sum += sum(e.confidence for e in edits)
        self.spun += spun_words(edits)
        self.by_source.update(e.source for e in edits)
        self.by_tier.update(e.rule_id.split(".", 1)[0] for e in edits)
        self.evidence = max(self.evidence, evidence)
        self.sha_in.update(before.encode("utf-8", "surrogatepass"))
        self.sha_out.update(after.encode("utf-8", "surrogatepass"))

    @property
    def spin_score(self) -> float:
        return min(1.0, self.spun / self.words) if self.words else 0.0

    def summary(self) -> dict:
        return {"edits": self.edits, "by_source": dict(self.by_source),
                "by_tier": dict(self.by_tier), "words_changed": self.words_changed,
                "spin_score": round(self.spin_score, 4), "evidence": round(self.evidence, 4),
                "mean_confidence": round(self.conf_sum / self.edits, 4) if self.edits else None}


class ReportSet:
    """All outputs of one input file: restored text plus the chosen report formats."""

    def __init__(self, stem: Path, formats: Sequence[str], display_path: str,
                 options: dict | None = None) -> None:
        self.display_path = display_path
        self.options = options or {}
        self.totals = Totals()
        self._files: dict[str, AtomicWriter] = {}
        self._first_edit = True
        self._html_body: list[str] = []
        self._line_offset = 0
        self._char_offset = 0
        self.formats = list(formats)
        try:
            self._files["text"] = AtomicWriter(str(stem) + SUFFIXES["text"])
            for fmt in self.formats:
                self._files[fmt] = AtomicWriter(str(stem) + SUFFIXES[fmt])
        except BaseException:
            self.abort()
            raise
        if "json" in self._files:
            self._files["json"].write(
                f'{{"schema": "{SCHEMA}", "version": {SCHEMA_VERSION}, "edits": [')
        if "diff" in self._files:
            self._files["diff"].write(diff_header(display_path))
        if "html" in self._files:
            # The article body goes to a temporary file of its own (never renamed into
            # place), so the page can open with the summary of the whole file.
            html_target = self._files["html"].target
            self._html_body_path = html_target.with_name(
                f".{html_target.name}.body.{os.getpid()}{TMP_SUFFIX}")
            self._html_body = open(self._html_body_path, "w", encoding="utf-8", newline="")

    @property
    def paths(self) -> list[Path]:
        return [w.target for w in self._files.values()]

    def add(self, before: str, after: str, edits: Sequence[Edit], words: int,
            evidence: float) -> None:
        """Take the next piece: its input, output and edits (offsets within the piece)."""
        f = self._files
        f["text"].write(after)
        if "json" in f:
            # Offsets in the report are into the whole file; line numbers likewise.
            for d in edit_dicts(before, edits):
                d["start"] += self._char_offset
                d["end"] += self._char_offset
                d["line"] += self._line_offset
                f["json"].write(("\n  " if self._first_edit else ",\n  ")
                                + json.dumps(d, ensure_ascii=False))
                self._first_edit = False
        if "html" in f:
            self._html_body.write(render_inline(before, edits))
        if "diff" in f:
            f["diff"].write(diff_hunks(before, edits, self.totals.lines_in, self.totals.lines_out))
        if "m2" in f and edits:
            f["m2"].write(m2(before, edits) + "\n")
        self.totals.add(before, after, edits, words, evidence)
        self._line_offset = self.totals.lines_in
        self._char_offset = self.totals.chars_in

    def commit(self) -> None:
        """Finish every file and rename all of them into place."""
        from . import __version__

        t = self.totals
        f = self._files
        if "json" in f:
            tail = {"unspin_version": __version__, "options": self.options,
                    "input": {"path": self.display_path, "chars": t.chars_in, "words": t.words,
                              "sha256": t.sha_in.hexdigest()},
                    "output": {"chars": t.chars_out, "sha256": t.sha_out.hexdigest()},
                    "summary": t.summary()}
            f["json"].write(("\n" if not self._first_edit else "") + "], "
                            + json.dumps(tail, ensure_ascii=False, indent=1)[1:] + "\n")
        if "html" in f:
            self._html_body.close()
            s = t.summary()
            by = ", ".join(f"{k} {v}" for k, v in sorted(s["by_source"].items())) or "none"
            title = f"unspin report: {self.display_path}"
            w = f["html"]
            w.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
                    f"<h1>{html.escape(title)}</h1><div class=\"unspin-summary\">"
                    f"{html.escape(f'{t.edits} edits ({by}); spin score {t.spin_score:.2f}; hover an edit for its source and confidence')}"
                    "</div><div class=\"unspin-article\">")
            with open(self._html_body_path, encoding="utf-8", newline="") as body:
                while chunk := body.read(1 << 20):
                    w.write(chunk)
            w.write("</div></body></html>\n")
            self._html_body_path.unlink()
        for w in f.values():
            w.commit()

    def abort(self) -> None:
        """Remove every temporary file; nothing partial is left behind."""
        for w in self._files.values():
            w.abort()
        body = getattr(self, "_html_body", None)
        if body is not None:
            body.close()
            self._html_body_path.unlink(missing_ok=True)

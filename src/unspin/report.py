"""Reports of a restoration: JSON (versioned schema), HTML, unified diff and ERRANT M2.

JSON schema ``unspin.report`` version 1::

    {"schema": "unspin.report", "version": 1, "unspin_version": "...",
     "input": {"path": str|null, "chars": int, "words": int, "sha256": str},
     "output": {"chars": int, "sha256": str},
     "summary": {"edits": int, "by_source": {"rule": int, ...}, "by_tier": {...},
                 "words_changed": int, "spin_score": float, "evidence": float,
                 "mean_confidence": float},
     "edits": [{"start": int, "end": int, "line": int, "column": int,
                "original": str, "replacement": str, "source": "rule"|"lexicon"|"model",
                "rule_id": str, "confidence": float}, ...]}

Offsets are Python string indices (code points) into the input text; ``line`` and
``column`` are 1-based. Replaying ``edits`` on the input gives the output.
"""

from __future__ import annotations

import hashlib
import html
import re
from bisect import bisect_right
from collections import Counter
from typing import TYPE_CHECKING, Sequence

from .edits import Edit
from .text import tokenize

if TYPE_CHECKING:
    from .restoration import Restoration

SCHEMA = "unspin.report"
SCHEMA_VERSION = 1


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def edit_dicts(text: str, edits: Sequence[Edit]) -> list[dict]:
    """Each edit as a dict with 1-based line and column added."""
    starts = _line_starts(text)
    out = []
    for e in edits:
        line = bisect_right(starts, e.start)
        d = e.to_dict()
        out.append({"start": d["start"], "end": d["end"], "line": line,
                    "column": e.start - starts[line - 1] + 1, "original": e.original,
                    "replacement": e.replacement, "source": e.source, "rule_id": e.rule_id,
                    "confidence": d["confidence"]})
    return out


def summary(edits: Sequence[Edit], spin_score: float, evidence: float) -> dict:
    """Summary figures of a list of edits."""
    return {
        "edits": len(edits),
        "by_source": dict(Counter(e.source for e in edits)),
        "by_tier": dict(Counter(e.rule_id.split(".", 1)[0] for e in edits)),
        "words_changed": sum(len(e.original.split()) for e in edits),
        "spin_score": round(spin_score, 4),
        "evidence": round(evidence, 4),
        "mean_confidence": round(sum(e.confidence for e in edits) / len(edits), 4) if edits else None,
    }


def report_dict(r: "Restoration", path: str | None = None) -> dict:
    """The JSON report of a restoration as a dict."""
    from . import __version__

    return {
        "schema": SCHEMA, "version": SCHEMA_VERSION, "unspin_version": __version__,
        "input": {"path": path, "chars": len(r.source_text),
                  "words": r.info.get("words", len(r.source_text.split())),
                  "sha256": _sha256(r.source_text)},
        "output": {"chars": len(r.text), "sha256": _sha256(r.text)},
        "summary": summary(r.edits, r.spin_score, r.evidence),
        "edits": edit_dicts(r.source_text, r.edits),
    }


_CSS = """
body{font:16px/1.55 Georgia,serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
.unspin-article{white-space:pre-wrap}
.unspin-edit{border-radius:3px;padding:0 1px}
.unspin-edit del{color:#a33;background:#fbe9e9;text-decoration:line-through}
.unspin-edit ins{color:#185;background:#e6f6ec;text-decoration:none}
.unspin-edit.lexicon ins{background:#e8eefc;color:#235}
.unspin-edit.model ins{background:#f4e8fc;color:#526}
.unspin-summary{font:14px/1.4 system-ui,sans-serif;color:#555;border-bottom:1px solid #ddd;
  padding-bottom:.6rem;margin-bottom:1rem}
"""


def _title(e: Edit) -> str:
    return f"{e.source}: {e.rule_id} — confidence {e.confidence:.2f} — was “{e.original}”"


def render_inline(text: str, edits: Sequence[Edit]) -> str:
    """The article as escaped HTML with each edit as ``<del>old</del><ins>new</ins>``."""
    parts: list[str] = []
    pos = 0
    for e in edits:
        parts.append(html.escape(text[pos:e.start]))
        parts.append(
            f'<span class="unspin-edit {html.escape(e.source)}" title="{html.escape(_title(e))}">'
            f"<del>{html.escape(e.original)}</del><ins>{html.escape(e.replacement)}</ins></span>")
        pos = e.end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def _summary_line(r: "Restoration") -> str:
    s = summary(r.edits, r.spin_score, r.evidence)
    by = ", ".join(f"{k} {v}" for k, v in sorted(s["by_source"].items())) or "none"
    return (f"{s['edits']} edits ({by}); spin score {s['spin_score']:.2f}; "
            f"hover an edit for its source and confidence")


def html_fragment(r: "Restoration") -> str:
    """An embeddable ``<div>`` (used by notebooks) with its own styles."""
    css = _CSS.replace("body{", ".unspin-root{")
    return (f'<div class="unspin-root"><style>{css}</style>'
            f'<div class="unspin-summary">{html.escape(_summary_line(r))}</div>'
            f'<div class="unspin-article">{render_inline(r.source_text, r.edits)}</div></div>')


def html_page(r: "Restoration", title: str = "unspin report") -> str:
    """A complete, self-contained HTML page: no scripts, no external assets."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>"
            f'<div class="unspin-summary">{html.escape(_summary_line(r))}</div>'
            f'<div class="unspin-article">{render_inline(r.source_text, r.edits)}</div>'
            "</body></html>\n")


def diff_hunks(before: str, edits: Sequence[Edit], a_line: int = 0, b_line: int = 0,
               context: int = 3) -> str:
    """Unified-diff hunks for ``edits`` on ``before``, whose first line is numbered
    ``a_line + 1`` (``b_line + 1`` on the restored side), so a long file can be diffed piece
    by piece. Built from the edits' own line ranges: linear in the text, however repetitive.
    """
    if not edits:
        return ""
    starts = _line_starts(before)
    n_lines = len(starts) if starts[-1] < len(before) else len(starts) - 1
    # Blocks of input lines that edits touch: [first, last] inclusive, with their edits.
    blocks: list[list] = []
    for e in sorted(edits):
        first = bisect_right(starts, e.start) - 1
        last = max(first, bisect_right(starts, max(e.end - 1, e.start)) - 1)
        if blocks and first <= blocks[-1][1] + 1:  # adjacent lines form one block
            blocks[-1][1] = max(blocks[-1][1], last)
            blocks[-1][2].append(e)
        else:
            blocks.append([first, last, [e]])

    def lines(i: int, j: int) -> list[str]:  # input lines i..j-1, ends kept
        if i >= j:
            return []
        end = starts[j] if j < len(starts) else len(before)
        return before[starts[i]:end].splitlines(keepends=True)

    # Group blocks whose unchanged gap is small enough to share context.
    groups: list[list] = []
    for b in blocks:
        if groups and b[0] - groups[-1][-1][1] - 1 <= 2 * context:
            groups[-1].append(b)
        else:
            groups.append([b])
    out: list[str] = []
    delta = 0  # restored lines minus input lines, before the current group
    for group in groups:
        h_start = max(0, group[0][0] - context)
        h_end = min(n_lines, group[-1][1] + 1 + context)
        body: list[str] = []
        pos = h_start
        a_count = b_count = 0
        for first, last, bedits in group:
            for line in lines(pos, first):
                body.append(" " + _nl(line))
            a_count += first - pos
            b_count += first - pos
            seg_start = starts[first]
            seg_end = starts[last + 1] if last + 1 < len(starts) else len(before)
            old = before[seg_start:seg_end]
            from .edits import apply_edits

            new = apply_edits(old, [e.shifted(-seg_start) for e in bedits])
            old_lines = old.splitlines(keepends=True)
            new_lines = new.splitlines(keepends=True)
            body.extend("-" + _nl(line) for line in old_lines)
            body.extend("+" + _nl(line) for line in new_lines)
            a_count += len(old_lines)
            b_count += len(new_lines)
            pos = last + 1
        for line in lines(pos, h_end):
            body.append(" " + _nl(line))
        a_count += max(0, h_end - pos)
        b_count += max(0, h_end - pos)
        out.append(f"@@ -{_range(a_line + h_start, a_count)} "
                   f"+{_range(b_line + h_start + delta, b_count)} @@\n")
        out.extend(body)
        delta += b_count - a_count
    return "".join(out)


def _range(start: int, length: int) -> str:
    # difflib's convention: "start,length", with start the line before an empty range.
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def _nl(line: str) -> str:
    return line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"


def diff_header(path: str) -> str:
    path = path.lstrip("/")
    return f"--- a/{path}\n+++ b/{path}\n"


def unified_diff(before: str, edits: Sequence[Edit], path: str = "input",
                 context: int = 3) -> str:
    """A unified diff by lines of ``edits`` on ``before`` (``patch`` applies it).

    >>> print(unified_diff("a\\nb\\n", [Edit(2, 3, "b", "c")], "f.txt"), end="")
    --- a/f.txt
    +++ b/f.txt
    @@ -1,2 +1,2 @@
     a
    -b
    +c
    """
    hunks = diff_hunks(before, edits, 0, 0, context)
    return diff_header(path) + hunks if hunks else ""


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")


def m2(text: str, edits: Sequence[Edit]) -> str:
    """ERRANT-style M2: each sentence's tokens and its edits as token spans.

    >>> print(m2("It will now no longer rain.", [Edit(8, 21, "now no longer", "not")]))
    S It will now no longer rain .
    A 2 5|||R:SPIN|||not|||REQUIRED|||-NONE-|||0
    <BLANKLINE>
    """
    blocks: list[str] = []
    edits = sorted(edits)
    ei = 0
    pos = 0
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    for end in bounds:
        if end <= pos:
            continue
        toks = [t for t in tokenize(text[pos:end])]
        if toks:
            lines = ["S " + " ".join(t.text for t in toks)]
            while ei < len(edits) and edits[ei].start < end:
                e = edits[ei]
                s_idx = next((i for i, t in enumerate(toks) if t.end + pos > e.start), len(toks))
                e_idx = next((i for i, t in enumerate(toks) if t.start + pos >= e.end), len(toks))
                repl = " ".join(t.text for t in tokenize(e.replacement))
                lines.append(f"A {s_idx} {e_idx}|||R:SPIN|||{repl}|||REQUIRED|||-NONE-|||0")
                ei += 1
            blocks.append("\n".join(lines) + "\n")
        pos = end
    return "\n".join(blocks)

"""The evaluation harness: how much of the spun-to-original distance a restorer closes.

:func:`evaluate` takes ``(spun, orig)`` pairs and a ``restore_fn(text) -> str`` and returns
a metrics dict; :func:`format_report` prints it; :func:`main` is ``unspin eval PAIRS.jsonl``
(JSON Lines with ``{"spun": ..., "orig": ...}``).

Metrics (tokens are words and punctuation marks, case-sensitive):

* ``wer_spun`` / ``wer_restored``: word error rate of spun / restored text against the original;
* ``closed``: share of the spun->orig distance the restorer removed, 1 - d(restored)/d(spun),
  summed over all pairs (negative when it made things worse);
* ``gold_exact``: share of gold edits (spans where spun and original differ) restored exactly;
* ``precision`` / ``recall``: of the spun tokens the restorer changed, the share that the gold
  alignment changes too / of the gold-changed tokens, the share the restorer changed;
* ``clean_damage``: restore the *original* and count changed tokens per original token;
* ``words_per_s``: spun words restored per second (wall clock).

>>> m = evaluate([("he stated no", "he said no")], lambda t: t.replace("stated", "said"),
...              clean=False)
>>> m["closed"], m["gold_exact"]
(1.0, 1.0)
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from typing import Callable, Iterable, Sequence

from .text import tokenize


def _toks(text: str) -> list[str]:
    return [t.text.replace("’", "'") for t in tokenize(text)]


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between token sequences.

    >>> edit_distance("a b c".split(), "a x c d".split())
    2
    """
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def _diff(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Changed regions of ``a`` as ``(i1, i2, replacement tokens)``."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i1, i2, tuple(b[j1:j2])) for tag, i1, i2, j1, j2 in sm.get_opcodes()
            if tag != "equal"]


def _changed_positions(ops) -> set:
    out = set()
    for i1, i2, _ in ops:
        if i2 > i1:
            out.update(range(i1, i2))
        else:
            out.add(i1 - 0.5)  # an insertion between tokens
    return out


def evaluate(pairs: Iterable[tuple[str, str]], restore_fn: Callable[[str], str], *,
             clean: bool = True) -> dict:
    """Metrics of ``restore_fn`` on ``(spun, orig)`` pairs (see the module docstring)."""
    pairs = list(pairs)
    d_spun = d_rest = n_orig = 0
    gold_total = gold_exact = 0
    tp = n_pred = n_gold = 0
    clean_changed = clean_total = 0
    n_words = 0
    t_restore = 0.0
    for spun, orig in pairs:
        s, o = _toks(spun), _toks(orig)
        t0 = time.perf_counter()
        restored = restore_fn(spun)
        t_restore += time.perf_counter() - t0
        n_words += len(spun.split())
        r = _toks(restored)
        d_spun += edit_distance(s, o)
        d_rest += edit_distance(r, o)
        n_orig += len(o)
        gold = _diff(s, o)
        pred = _diff(s, r)
        pred_map = {(i1, i2): rep for i1, i2, rep in pred}
        gold_total += len(gold)
        gold_exact += sum(1 for i1, i2, rep in gold if pred_map.get((i1, i2)) == rep)
        g, p = _changed_positions(gold), _changed_positions(pred)
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
        if clean:
            t0 = time.perf_counter()
            rc = restore_fn(orig)
            t_restore += time.perf_counter() - t0
            n_words += len(orig.split())
            clean_changed += edit_distance(_toks(rc), o)
            clean_total += len(o)
    return {
        "pairs": len(pairs),
        "orig_tokens": n_orig,
        "wer_spun": d_spun / max(n_orig, 1),
        "wer_restored": d_rest / max(n_orig, 1),
        "closed": (1 - d_rest / d_spun) if d_spun else 0.0,
        "gold_edits": gold_total,
        "gold_exact": gold_exact / max(gold_total, 1),
        "precision": tp / n_pred if n_pred else 1.0,
        "recall": tp / max(n_gold, 1),
        "clean_damage": clean_changed / clean_total if clean_total else None,
        "words_per_s": n_words / t_restore if t_restore > 0 else float("inf"),
    }


def format_report(metrics: dict, title: str = "") -> str:
    """A small aligned table of :func:`evaluate` metrics.

    >>> print(format_report({"pairs": 1, "closed": 0.5}).splitlines()[1])
    pairs            1
    """
    lines = [title or "unspin eval"]
    labels = {
        "pairs": "pairs", "orig_tokens": "orig tokens", "wer_spun": "WER spun->orig",
        "wer_restored": "WER restored->orig", "closed": "distance closed",
        "gold_edits": "gold edits", "gold_exact": "gold edits exact",
        "precision": "changed-token precision", "recall": "changed-token recall",
        "clean_damage": "clean damage (changed/word)", "words_per_s": "words/s",
    }
    for k, label in labels.items():
        if k not in metrics or metrics[k] is None:
            continue
        v = metrics[k]
        if isinstance(v, float) and k not in ("words_per_s",):
            s = f"{100 * v:.2f}%"
        elif isinstance(v, float):
            s = f"{v:.0f}"
        else:
            s = str(v)
        lines.append(f"{label:<16} {s}" if len(label) < 16 else f"{label} {s}")
    return "\n".join(lines)


def read_pairs(path: str) -> list[tuple[str, str]]:
    """``(spun, orig)`` from a JSON Lines file (``-`` = stdin); errors name the line."""
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    out = []
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append((d["spun"], d["orig"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: expected {{\"spun\": ..., \"orig\": ...}} "
                                 f"({exc})") from None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``unspin eval PAIRS.jsonl [--mode fast|accurate] [--no-lexicon] [--json]``."""
    ap = argparse.ArgumentParser(prog="unspin eval", description=__doc__.split("\n")[0])
    ap.add_argument("pairs", nargs="+", help="JSON Lines files of {spun, orig}; - for stdin")
    ap.add_argument("--mode", choices=("fast", "accurate"), default="fast")
    ap.add_argument("--no-lexicon", dest="use_lexicon", action="store_false")
    ap.add_argument("--no-model", dest="use_model", action="store_false", default=None)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--assume-spun", action="store_true",
                    help="restore every text as known to be spun (Restorer(assume_spun=True))")
    ap.add_argument("--no-clean", dest="clean", action="store_false",
                    help="skip the clean-damage pass (twice as fast)")
    ap.add_argument("--limit", type=int, default=0, help="first N pairs of each file")
    ap.add_argument("--json", action="store_true", help="print metrics as JSON")
    args = ap.parse_args(list(argv) if argv is not None else None)
    from . import restore

    opts = {"mode": args.mode, "use_lexicon": args.use_lexicon, "assume_spun": args.assume_spun}
    if args.threshold is not None:
        opts["threshold"] = args.threshold

    def fn(text: str) -> str:
        return restore(text, use_model=args.use_model, **opts).text

    results = {}
    for path in args.pairs:
        try:
            pairs = read_pairs(path)
        except (OSError, ValueError) as exc:
            print(f"unspin eval: {exc}", file=sys.stderr)
            return 1
        if args.limit:
            pairs = pairs[: args.limit]
        m = evaluate(pairs, fn, clean=args.clean)
        results[path] = m
        if not args.json:
            spun = ", assume_spun" if args.assume_spun else ""
            print(format_report(m, f"{path} (mode={args.mode}, lexicon={args.use_lexicon}{spun})"))
            print()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

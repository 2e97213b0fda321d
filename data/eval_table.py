"""Print the README results table: every dev set, rules alone vs rules + lexicon (fast and
accurate tiers), through the public API (``unspin.restore``).

Usage::

    .venv/bin/python data/eval_table.py                       # fast tier, all dev sets
    .venv/bin/python data/eval_table.py --accurate --limit 40 # adds the SmolLM2 tier (slow)

Rebuild the dev sets first (``data/build_devsets.py``). Prints a Markdown table.
Unseen tortured phrases, honestly (no PPS rules; a lexicon and a term list built without
them)::

    .venv/bin/python data/build_lexicon.py --pps-split train --out /tmp/lex_dev.json.gz
    .venv/bin/python data/build_terms.py --pps-split train --out /tmp/terms_dev.json.gz
    UNSPIN_TERMS=/tmp/terms_dev.json.gz UNSPIN_LEXICON=/tmp/lex_dev.json.gz \
        .venv/bin/python data/eval_table.py dev/pps_carrier_unseen.jsonl --without-tier pps

New tortured forms of terms the resources know (their other forms stay)::

    .venv/bin/python data/build_lexicon.py --pps-split variants-train --out /tmp/lex_var.json.gz
    .venv/bin/python data/build_terms.py --pps-split variants-train --out /tmp/terms_var.json.gz
    UNSPIN_TERMS=/tmp/terms_var.json.gz UNSPIN_LEXICON=/tmp/lex_var.json.gz \
        .venv/bin/python data/eval_table.py dev/pps_carrier_variants.jsonl \
        --without-pps variants-heldout
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from unspin.evaluate import evaluate, read_pairs  # noqa: E402

DEFAULT_SETS = ["dev/example_article.jsonl", "dev/handwritten.jsonl",
                "dev/handwritten_spinbot.jsonl", "dev/handwritten_spinbot_b.jsonl",
                "dev/synthetic_un.jsonl",
                "dev/generated/synthetic_wiki.jsonl", "dev/generated/synthetic_ose.jsonl",
                "dev/generated/synthetic_thesaurus.jsonl",
                "dev/pps_carrier_unseen.jsonl", "dev/pps_carrier_seen.jsonl"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", default=DEFAULT_SETS)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--accurate", action="store_true")
    ap.add_argument("--model", action="store_true",
                    help="add rules + lexicon + the shipped seq2seq model (use_model=True)")
    ap.add_argument("--without-tier", action="append", default=[],
                    help="leave rules of this tier out (e.g. pps, to measure unseen phrases)")
    ap.add_argument("--without-pps", metavar="SPLIT",
                    help="leave out the PPS rules of the pairs of this corpus_split split (e.g. "
                         "variants-heldout, to measure new forms of known terms)")
    args = ap.parse_args(argv)
    from unspin.pipeline import Restorer
    from unspin.rules import RuleTable, default_table

    rules = None
    if args.without_tier or args.without_pps:
        drop: set = set()
        if args.without_pps:
            from corpus_split import read_pps

            drop = {t.lower() for t, _, _ in read_pps(split=args.without_pps)}
        rules = RuleTable([r for r in default_table() if r.tier not in args.without_tier
                           and not (r.tier == "pps" and r.match.lower() in drop)])
    restorers: dict = {}

    def restore(text: str, **opts):
        key = tuple(sorted(opts.items()))
        if key not in restorers:
            restorers[key] = Restorer(rules=rules, **{"use_model": False, **opts})
        return restorers[key].restore(text)

    configs = [("rules", {"use_lexicon": False}), ("rules+lexicon fast", {"mode": "fast"})]
    if args.accurate:
        configs.append(("rules+lexicon accurate", {"mode": "accurate"}))
    if args.model:
        configs.append(("rules+lexicon+model", {"mode": "fast", "use_model": True}))
    print("| dev set | pairs | setup | WER spun | WER restored | closed | gold exact "
          "| precision | recall | clean damage | words/s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in args.sets:
        p = HERE / path if not Path(path).is_absolute() else Path(path)
        if not p.exists():
            print(f"(missing {p}: run data/build_devsets.py)", file=sys.stderr)
            continue
        pairs = read_pairs(str(p))
        if args.limit:
            pairs = pairs[: args.limit]
        for name, opts in configs:
            def fn(text: str, opts=opts) -> str:
                return restore(text, **opts).text

            fn("warm up: now no longer")
            m = evaluate(pairs, fn)
            print(f"| {path} | {m['pairs']} | {name} | {100 * m['wer_spun']:.1f}% "
                  f"| {100 * m['wer_restored']:.1f}% | {100 * m['closed']:.1f}% "
                  f"| {100 * m['gold_exact']:.1f}% | {100 * m['precision']:.1f}% "
                  f"| {100 * m['recall']:.1f}% | {100 * m['clean_damage']:.2f}% "
                  f"| {m['words_per_s']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Count how often each rule phrase occurs in CLEAN English (../shared/corpora), per million words.

Why: a spun form that is common in clean prose ("stated", "home", "so as to") must get a low
confidence or a context condition; one that never occurs there ("now no longer", "withinside
the") is a *signature* of spinning. The numbers in ``data/rule_stats/clean_counts.tsv`` are
what ``src/unspin/resources/rules/README.md`` and ``build_pps_rules.py`` use to set
confidences.

Method (one pass, one core, about 2-3 minutes):

* Phrases: every ``match`` of the bundled rule files (``src/unspin/resources/rules/*.jsonl``),
  every tortured phrase of ``../shared/tortured-phrases/pps_dev.tsv``, plus any ``--phrases``
  file (one phrase a line). Each is stored in the matcher's folded form
  (``unspin.rules.normalize_phrase``).
* Text: all four corpora (UN debates, Reuters-21578, OneStopEnglish, Wikipedia 2015), every
  document's ``text``, folded exactly as the matcher folds it (lower case, typographic
  apostrophes -> ``'``, any white-space run -> one space).
* One Aho-Corasick automaton (pyahocorasick) over all phrases; a hit counts only when it is
  a whole-word match by the matcher's own boundary test (``unspin.rules._boundary_ok``), so
  the counts are what the rule table would see (context conditions aside).
* Words = white-space tokens (as in ../shared/corpora/README.md). per_million = count /
  words * 1e6 over all corpora together; the per-corpus columns are raw counts.

Second mode, ``--fires``: run the real bundled rule table (``unspin.rules.default_table()``,
active rules, confidence >= ``--min-confidence``) over a deterministic sample of the clean
corpora and count, per rule, how often it *fires* (context conditions applied), plus the share
of clean words the table would change. Output ``data/rule_stats/clean_fires.tsv``. The sample:
every ``--every``-th document of each corpus (default 3), and separately the "200 documents"
figure: the first 100 OneStopEnglish and the first 100 Reuters documents with text.

Usage::

    nice .venv/bin/python data/count_phrases.py                 # -> data/rule_stats/clean_counts.tsv
    nice .venv/bin/python data/count_phrases.py --phrases extra.txt --out /tmp/x.tsv
    nice .venv/bin/python data/count_phrases.py --fires         # -> data/rule_stats/clean_fires.tsv
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from unspin.rules import _boundary_ok, normalize_phrase  # noqa: E402

DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
CORPORA = {
    "un": "un_general_debates/un_general_debates_1990_2024.jsonl.gz",
    "reuters": "reuters21578/reuters21578.jsonl.gz",
    "ose": "onestopenglish/onestopenglish.jsonl.gz",
    "wiki": "wikipedia_en_2015/wikipedia_en_2015.jsonl.gz",
}
RULES_DIR = ROOT / "src" / "unspin" / "resources" / "rules"
PPS = ROOT.parent / "shared" / "tortured-phrases" / "pps_dev.tsv"
_WS = re.compile(r"\s+")
_APOS = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "‐": "-", "‑": "-"})


def fold_text(text: str) -> str:
    """The matcher's folded, single-spaced form of ``text`` (offsets are not needed here)."""
    return _WS.sub(" ", text.translate(_APOS).lower())


def collect_phrases(rules_dir: Path, pps: Path | None, extra: list[Path]) -> set[str]:
    """All phrases to count, in folded form."""
    phrases: set[str] = set()
    for f in sorted(rules_dir.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                phrases.add(normalize_phrase(json.loads(line)["match"]))
    if pps is not None and pps.exists():
        for i, line in enumerate(pps.read_text(encoding="utf-8").splitlines()):
            parts = line.split("\t")
            if i and len(parts) >= 2 and parts[0].strip():
                phrases.add(normalize_phrase(parts[0]))
                # the form data/build_pps_rules.py uses: without a trailing "(acronym)"
                stripped = re.sub(r"\s*\([^()]*\)\s*$", "", parts[0]).strip()
                if stripped:
                    phrases.add(normalize_phrase(stripped))
    for f in extra:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                phrases.add(normalize_phrase(line))
    return phrases


def count(phrases: set[str], corpora: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Whole-word counts of each phrase per corpus, and the word count of each corpus."""
    import ahocorasick

    auto = ahocorasick.Automaton()
    for p in phrases:
        auto.add_word(p, p)
    auto.make_automaton()
    counts: dict[str, dict[str, int]] = {p: dict.fromkeys(CORPORA, 0) for p in phrases}
    words: dict[str, int] = {}
    for name, rel in CORPORA.items():
        t0, n = time.time(), 0
        with gzip.open(corpora / rel, "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("text") or ""
                n += len(text.split())
                s = fold_text(text)
                for end_idx, key in auto.iter(s):
                    start = end_idx + 1 - len(key)
                    if _boundary_ok(s, start, end_idx + 1):
                        counts[key][name] += 1
        words[name] = n
        print(f"{name}: {n:,} words, {time.time() - t0:.0f}s", file=sys.stderr)
    return counts, words


def _table_changes(table, text: str, min_conf: float):
    """The matches the table would apply to ``text`` at ``min_conf``."""
    return [m for m in table.find(text) if m.rule.confidence >= min_conf]


def measure_fires(corpora: Path, every: int, min_conf: float, out: Path) -> None:
    """Per-rule firing counts of the bundled table on clean text, and words changed."""
    from collections import Counter

    from unspin.rules import default_table

    table = default_table()
    fires: Counter = Counter()
    examples: dict[str, str] = {}
    words = changed = 0
    for name, rel in CORPORA.items():
        t0 = time.time()
        with gzip.open(corpora / rel, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i % every:
                    continue
                text = json.loads(line).get("text") or ""
                words += len(text.split())
                for m in _table_changes(table, text, min_conf):
                    fires[m.rule.id] += 1
                    changed += len(m.original.split())
                    if m.rule.id not in examples:
                        a, b = max(0, m.start - 60), m.end + 60
                        examples[m.rule.id] = " ".join(text[a:b].split())
        print(f"{name}: {time.time() - t0:.0f}s", file=sys.stderr)
    # the 200-document figure
    w200 = c200 = 0
    for name in ("ose", "reuters"):
        n = 0
        with gzip.open(corpora / CORPORA[name], "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("text") or ""
                if not text.strip():
                    continue
                w200 += len(text.split())
                c200 += sum(len(m.original.split()) for m in _table_changes(table, text, min_conf))
                n += 1
                if n == 100:
                    break
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        f.write(f"# bundled table on clean text, confidence >= {min_conf}: every {every}th document "
                f"of each corpus, {words} words, {changed} words changed "
                f"({changed / max(words, 1) * 100:.4f}%); first 100 OneStopEnglish + 100 Reuters "
                f"documents: {w200} words, {c200} changed ({c200 / max(w200, 1) * 100:.4f}%); "
                f"made by data/count_phrases.py --fires\n")
        f.write("rule_id\tfires\tper_million\tfirst_context\n")
        for rid, n in fires.most_common():
            f.write(f"{rid}\t{n}\t{n / words * 1e6:.3f}\t{examples[rid]}\n")
    print(f"sample: {words:,} words, {changed:,} changed ({changed / max(words, 1) * 100:.4f}%); "
          f"200 docs: {w200:,} words, {c200:,} changed ({c200 / max(w200, 1) * 100:.4f}%) -> {out}",
          file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    ap.add_argument("--rules-dir", type=Path, default=RULES_DIR)
    ap.add_argument("--pps", type=Path, default=PPS)
    ap.add_argument("--phrases", type=Path, action="append", default=[],
                    help="extra file of phrases, one a line (may repeat)")
    ap.add_argument("--out", type=Path, default=HERE / "rule_stats" / "clean_counts.tsv")
    ap.add_argument("--fires", action="store_true",
                    help="measure how often the bundled table fires on clean text instead")
    ap.add_argument("--every", type=int, default=3, help="--fires: every n-th document")
    ap.add_argument("--min-confidence", type=float, default=0.5)
    args = ap.parse_args(argv)
    if args.fires:
        out = args.out if args.out != HERE / "rule_stats" / "clean_counts.tsv" \
            else HERE / "rule_stats" / "clean_fires.tsv"
        measure_fires(args.corpora, args.every, args.min_confidence, out)
        return 0

    phrases = collect_phrases(args.rules_dir, args.pps, args.phrases)
    print(f"{len(phrases):,} phrases", file=sys.stderr)
    counts, words = count(phrases, args.corpora)
    total = sum(words.values())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(f"# clean-corpus counts of rule phrases; {total} words "
                + " ".join(f"{k}={v}" for k, v in words.items())
                + "; made by data/count_phrases.py\n")
        f.write("phrase\tcount\tper_million\t" + "\t".join(CORPORA) + "\n")
        for p in sorted(phrases, key=lambda p: (-sum(counts[p].values()), p)):
            c = sum(counts[p].values())
            f.write(f"{p}\t{c}\t{c / total * 1e6:.3f}\t"
                    + "\t".join(str(counts[p][k]) for k in CORPORA) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({total:,} words)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

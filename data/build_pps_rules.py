"""Build the scientific tier of the rule table from the Problematic Paper Screener fingerprints.

Input: ``../shared/tortured-phrases/pps_dev.tsv`` (``tortured<TAB>expected<TAB>num_papers``,
4,595 pairs; see that folder's README for origin and licence) and the clean-corpus counts in
``data/rule_stats/clean_counts.tsv`` (made by ``data/count_phrases.py``).
Output: ``src/unspin/resources/rules/50-pps.jsonl`` (one rule a line, tier ``pps``) and
``data/rule_stats/pps_skipped.tsv`` (every input row that did not become a rule, and why).

Per row:

* ``match`` = the tortured phrase, ``replacement`` = the expected term with stray quoting
  removed (``"gaussian mixture\\"")"`` -> ``gaussian mixture``). Where the curators listed
  alternatives ("is in accord, correlates") for a phrase that is not itself a list, the first
  alternative is used and the confidence lowered by 0.1.
* A trailing parenthesised acronym is dropped from the tortured phrase ("key segment analysis
  (pca)" -> "key segment analysis"): the matcher needs whole words at both ends.
* Skipped: an expected term equal to the tortured phrase, an empty one, a phrase that does
  not start and end with a letter or digit (the matcher's whole-word test cannot hold), and
  all but the most-papers row of each tortured phrase (ties: first row).
* Confidence = a prior from ``num_papers`` (1: 0.70, 2-4: 0.75, 5-19: 0.80, 20-99: 0.85,
  >=100: 0.90), then capped by how often the tortured phrase occurs in clean prose
  (22.5M words, all four corpora): 0 hits keeps the prior; 1-2 hits (< 0.1 per million)
  -0.1; < 1 per million -> 0.45; >= 1 per million -> 0.30 and status ``experimental``.
  One-word tortured phrases are capped at 0.45 (``experimental`` when they occur in clean
  text at all): a single word is rarely wrong by itself.
* ``signature`` = multi-word and never seen in the clean corpora.
* Example: the phrase in one of a few neutral carrier sentences (chosen by a hash of the
  phrase), checked with the real matcher; the orig is the same sentence with the expected term.

Usage (seconds)::

    .venv/bin/python data/build_pps_rules.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from unspin.edits import Edit, apply_edits  # noqa: E402
from unspin.rules import Rule, RuleTable, normalize_phrase  # noqa: E402

PPS = ROOT.parent / "shared" / "tortured-phrases" / "pps_dev.tsv"
COUNTS = HERE / "rule_stats" / "clean_counts.tsv"
OUT = ROOT / "src" / "unspin" / "resources" / "rules" / "50-pps.jsonl"
SKIPPED = HERE / "rule_stats" / "pps_skipped.tsv"

TEMPLATES = (
    "In this paper we apply {} to the benchmark.",
    "The results confirm that {} improves accuracy on both datasets.",
    "Section 3 reviews prior work on {} in detail.",
    "We compare {} with two baseline methods.",
    "Our experiments show how {} behaves under noise.",
    "A short survey of {} is given in the appendix.",
)


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def clean_tortured(s: str) -> str:
    """The tortured phrase without a trailing parenthesised acronym ("... (pca)")."""
    return _TRAILING_NOTE.sub("", s).strip()


def clean_expected(s: str) -> str:
    """The expected term without stray quotes, backslashes and unbalanced brackets."""
    s = s.replace("\\", "").replace('"', "")
    while s.count(")") > s.count("(") and ")" in s:
        i = s.rfind(")")
        s = s[:i] + s[i + 1:]
    while s.count("(") > s.count(")") and "(" in s:
        i = s.find("(")
        s = s[:i] + s[i + 1:]
    return re.sub(r"\s+", " ", s).strip(" ,;")


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:40].strip("-")


def load_counts(path: Path) -> dict[str, tuple[int, float]]:
    counts: dict[str, tuple[int, float]] = {}
    if not path.exists():
        raise SystemExit(f"{path} is missing: run data/count_phrases.py first")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("phrase\t"):
            continue
        p = line.split("\t")
        counts[p[0]] = (int(p[1]), float(p[2]))
    return counts


def prior(num_papers: int) -> float:
    if num_papers >= 100:
        return 0.90
    if num_papers >= 20:
        return 0.85
    if num_papers >= 5:
        return 0.80
    if num_papers >= 2:
        return 0.75
    return 0.70


def _check(rule: Rule, spun: str, orig: str) -> bool:
    table = RuleTable([dataclasses.replace(rule, status="active")])
    ms = table.find(spun)
    got = apply_edits(spun, [Edit(m.start, m.end, m.original, m.replacement, "rule", rule.id,
                                  rule.confidence) for m in ms])
    return bool(ms) and got == orig


def build(pps: Path, counts_path: Path) -> tuple[list[dict], list[tuple[int, str, str, str]]]:
    counts = load_counts(counts_path)
    rows = []
    for n, line in enumerate(pps.read_text(encoding="utf-8").splitlines(), 1):
        if n == 1 or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            rows.append((n, parts[0], "", -1))
            continue
        try:
            k = int(parts[2])
        except ValueError:
            k = 0
        rows.append((n, parts[0], parts[1], k))

    skipped: list[tuple[int, str, str, str]] = []
    best: dict[str, tuple[int, str, str, int]] = {}
    for n, tort, exp, k in rows:
        tort = clean_tortured(tort)
        key = normalize_phrase(tort)
        repl = clean_expected(exp)
        if k < 0:
            skipped.append((n, tort, exp, "malformed row"))
            continue
        if not key or not (key[0].isalnum() and key[-1].isalnum()):
            skipped.append((n, tort, exp, "phrase does not start and end with a letter or digit"))
            continue
        if not repl:
            skipped.append((n, tort, exp, "empty expected term"))
            continue
        if normalize_phrase(repl) == key:
            skipped.append((n, tort, exp, "expected equals the tortured phrase"))
            continue
        if key in best:
            if k > best[key][3]:
                skipped.append((best[key][0], best[key][1], best[key][2],
                                f"duplicate phrase; line {n} has more papers"))
                best[key] = (n, tort, exp, k)
            else:
                skipped.append((n, tort, exp, f"duplicate phrase; line {best[key][0]} kept"))
            continue
        best[key] = (n, tort, exp, k)

    rules: list[dict] = []
    for key, (n, tort, exp, k) in sorted(best.items(), key=lambda kv: kv[1][0]):
        repl = clean_expected(exp)
        notes = []
        conf = prior(k)
        if "," in repl and "," not in key:
            repl = repl.split(",")[0].strip()
            conf -= 0.1
            notes.append("curators listed alternatives; the first is used")
        cnt, pm = counts.get(key, (0, 0.0))
        one_word = len(re.findall(r"[^\W_]+", key)) == 1
        status = "active"
        if cnt == 0:
            pass
        elif pm < 0.1:
            conf -= 0.1
        elif pm < 1.0:
            conf = min(conf, 0.45)
        else:
            conf, status = min(conf, 0.30), "experimental"
        if one_word:
            conf = min(conf, 0.45)
            if cnt > 0:
                status = "experimental"
        notes.append(f"clean corpora: {cnt} hits, {pm:.3f} per million words")
        obj = {
            "id": f"pps.{n:04d}-{slug(key)}",
            "match": tort.strip(),
            "replacement": repl,
            "confidence": round(conf, 2),
            "tier": "pps",
            "source": f"Problematic Paper Screener fingerprints, pps_dev.tsv line {n} (num_papers={k})",
            "status": status,
            "signature": (not one_word) and cnt == 0,
        }
        rule = Rule.from_json(obj, obj["id"])
        start = zlib.crc32(key.encode()) % len(TEMPLATES)
        for j in range(len(TEMPLATES)):
            t = TEMPLATES[(start + j) % len(TEMPLATES)]
            spun, orig = t.format(tort.strip()), t.format(repl)
            if _check(rule, spun, orig):
                obj["examples"] = [{"spun": spun, "orig": orig}]
                break
        else:
            skipped.append((n, tort, exp, "no carrier sentence restores exactly"))
            continue
        obj["note"] = "; ".join(notes)
        rules.append(obj)
    return rules, skipped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build 50-pps.jsonl from pps_dev.tsv")
    ap.add_argument("--pps", type=Path, default=PPS)
    ap.add_argument("--counts", type=Path, default=COUNTS)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--skipped", type=Path, default=SKIPPED)
    args = ap.parse_args(argv)
    rules, skipped = build(args.pps, args.counts)
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write("# Scientific tier: Problematic Paper Screener tortured phrases (pps_dev.tsv). "
                "Generated by data/build_pps_rules.py; do not edit by hand.\n")
        for r in rules:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(args.out)
    args.skipped.parent.mkdir(parents=True, exist_ok=True)
    with args.skipped.open("w", encoding="utf-8") as f:
        f.write("line\ttortured\texpected\treason\n")
        for n, t, e, why in sorted(skipped):
            f.write(f"{n}\t{t}\t{e}\t{why}\n")
    act = sum(r["status"] == "active" for r in rules)
    hi = sum(r["status"] == "active" and r["confidence"] >= 0.5 for r in rules)
    print(f"{len(rules)} rules ({act} active, {hi} active with confidence >= 0.5, "
          f"{len(rules) - act} experimental); {len(skipped)} rows skipped -> {args.skipped}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

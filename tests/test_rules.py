import pytest

from unspin.rules import Rule, RuleTable, RuleTableError, load_rules


def _table(*rules):
    return RuleTable(list(rules))


def test_whole_words_only():
    t = _table(Rule("r", "era", "technology", 0.9))
    assert t.find("the era of") and not t.find("camera operator") and not t.find("eras")


def test_longest_match_wins_and_case_carries():
    t = _table(Rule("a", "extrude", "change", 0.9), Rule("b", "weather extrude", "climate change", 0.9))
    [m] = t.find("WEATHER EXTRUDE now")
    assert (m.original, m.replacement, m.rule.id) == ("WEATHER EXTRUDE", "CLIMATE CHANGE", "b")


def test_typographic_apostrophe_and_line_breaks_match():
    t = _table(Rule("r", "it's far", "it is", 0.9))
    [m] = t.find("and it’s\nfar away")
    assert m.original == "it’s\nfar" and m.replacement == "it is"


def test_possessive_after_match_is_allowed_but_not_contractions():
    t = _table(Rule("r", "weather extrude", "climate change", 0.9), Rule("d", "don", "do", 0.9))
    assert t.find("weather extrude's cost")
    assert not t.find("they don't")


def test_context_and_antipattern():
    r = Rule("r", "home", "domestic", 0.4, after=r" (product|policy)", not_before=r"at $")
    t = _table(r)
    assert t.find("gross home product")
    assert not t.find("at home product")
    assert not t.find("a home for all")


def test_malformed_lines_name_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "a", "match": "x", "replacement": "y", "confidence": 0.5}\n{oops\n')
    with pytest.raises(RuleTableError, match=r"bad.jsonl:2"):
        load_rules([p])
    p.write_text('{"id": "a", "match": "x", "replacement": "y", "confidence": 2}\n')
    with pytest.raises(RuleTableError, match=r"bad.jsonl:1: 'confidence'"):
        load_rules([p])
    p.write_text('{"id": "a", "match": "x", "replacement": "y", "confidence": 0.5, "before": "("}\n')
    with pytest.raises(RuleTableError, match="bad context pattern"):
        load_rules([p])


def test_duplicate_ids_are_rejected():
    with pytest.raises(RuleTableError):
        _table(Rule("a", "x", "y", 0.5), Rule("a", "z", "w", 0.5))


def test_disabled_rules_never_fire():
    assert not _table(Rule("a", "x", "y", 0.9, status="disabled")).find("x")


def test_spinbot_tier_follows_its_confidence_scale():
    """The SpinBot tier's confidences follow its README table: a phrase clean prose ever has
    stays below the threshold (only this family's evidence lifts it), and a signature is
    never seen more than 0.5 times per million clean words."""
    import csv
    from pathlib import Path

    from unspin.rules import default_table, normalize_phrase

    root = Path(__file__).resolve().parents[1]
    counts = {}
    with open(root / "data" / "rule_stats" / "clean_counts.tsv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if row and not row[0].startswith("#") and row[0] != "phrase":
                counts[row[0]] = (int(row[1]), float(row[2]))
    tier = [r for r in default_table() if r.tier == "spinbot"]
    assert len(tier) > 200
    for r in tier:
        n, per_million = counts[normalize_phrase(r.match)]  # every match is counted
        if n > 0:
            assert r.confidence < 0.5, r.id
        if r.signature:
            assert per_million <= 0.5 and " " in normalize_phrase(r.match), r.id

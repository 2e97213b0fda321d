import pytest

from unspin.edits import Edit, apply_edits, check_edits


def test_apply_keeps_everything_outside_edits():
    text = "\ufeffA  now no longer\r\nB"
    e = Edit(4, 17, "now no longer", "not", "rule", "r", 0.9)
    assert apply_edits(text, [e]) == "\ufeffA  not\r\nB"


def test_edit_must_span_its_original():
    with pytest.raises(ValueError):
        Edit(0, 3, "ab", "x")
    with pytest.raises(ValueError):
        Edit(0, 1, "a", "b", source="magic")
    with pytest.raises(ValueError):
        Edit(0, 1, "a", "b", confidence=1.5)


def test_overlapping_or_mismatched_edits_are_rejected():
    text = "abcdef"
    with pytest.raises(ValueError):
        check_edits(text, [Edit(0, 3, "abc", "x"), Edit(2, 4, "cd", "y")])
    with pytest.raises(ValueError):
        check_edits(text, [Edit(0, 2, "xx", "y")])


def test_roundtrip_dict():
    e = Edit(1, 2, "b", "B", "lexicon", "lexicon:wordnet", 0.61234567)
    assert Edit.from_dict(e.to_dict()).replacement == "B"
    assert e.to_dict()["confidence"] == 0.6123


def test_compose_equals_two_passes():
    import random

    from unspin.edits import compose_edits

    rng = random.Random(1)

    def rand_edits(t):
        es, pos = [], 0
        while pos < len(t):
            if rng.random() < 0.3:
                end = min(len(t), pos + rng.randint(1, 3))
                es.append(Edit(pos, end, t[pos:end], rng.choice(["X", "YY", "a b"])))
                pos = end + 1
            else:
                pos += 1
        return es

    for _ in range(3000):
        t = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 14)))
        e1 = rand_edits(t)
        mid = apply_edits(t, e1)
        e2 = rand_edits(mid)
        both = compose_edits(t, e1, e2)
        check_edits(t, both)
        assert apply_edits(t, both) == apply_edits(mid, e2)

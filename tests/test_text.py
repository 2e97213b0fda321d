from unspin.casing import article_for, transfer_case
from unspin.text import fold, normalize, protected_spans, tokenize


def test_tokens_have_exact_offsets():
    text = "It’s far—on-the-spot, 2nd!"
    for t in tokenize(text):
        assert text[t.start:t.end] == t.text
    assert [t.text for t in tokenize(text) if t.is_word] == ["It’s", "far", "on-the-spot", "2nd"]


def test_fold_keeps_length_even_for_odd_letters():
    for s in ["İstanbul", "STRASSE ß", "ǅemal", "’quoted’"]:
        assert len(fold(s)) == len(s)


def test_normalize_maps_back_across_whitespace():
    text = "now\r\n  no\tlonger"
    n = normalize(text)
    assert n.text == "now no longer"
    assert n.span(0, len(n.text)) == (0, len(text))


def test_protected_spans_cover_urls_markup_code():
    text = "see https://ex.org/a?b=1, <b>bold</b>, `x = 1`, me@ex.org and snake_case"
    found = [text[s:e] for s, e in protected_spans(text)]
    assert "https://ex.org/a?b=1," in found or "https://ex.org/a?b=1" in found[0]
    assert "<b>" in found and "`x = 1`" in found and "me@ex.org" in found
    assert "snake_case" in found


def test_case_transfer_and_articles():
    assert transfer_case("Weather extrude", "climate change") == "Climate change"
    assert transfer_case("WEATHER EXTRUDE", "climate change") == "CLIMATE CHANGE"
    assert transfer_case("weather extrude", "COVID-19") == "COVID-19"
    assert transfer_case("2nd", "second") == "second"
    assert [article_for(w) for w in ["apple", "hour", "unit", "UN", "FBI", "8th", "one"]] == \
        ["an", "an", "a", "a", "an", "an", "a"]

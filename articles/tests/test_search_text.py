"""search_text: how both engines read text (folding, scripts without spaces)."""

from articles import search_text
from articles.search import match_spans, snippet, terms_of


def test_fold_ignores_case_and_accents_but_keeps_letters_that_are_not_accents():
    assert search_text.fold("Café ZÜRICH Αθήνα Ёлка Straße") == "cafe zurich αθηνα елка strasse"
    assert search_text.fold("йогурт") == "йогурт"  # й is a letter of its own, as both engines keep it


def test_runs_without_spaces_are_indexed_as_pairs_and_queried_as_their_phrase():
    assert search_text.grams("東京で") == ["東京", "京で", "で"]
    assert search_text.query_grams("イヤホン") == ["イヤ", "ヤホ", "ホン"]
    assert search_text.query_grams("猫") == ["猫"]
    assert search_text.unspaced("東京") and not search_text.unspaced("tokyo") and not search_text.unspaced("a東京")


def test_query_terms_split_runs_without_spaces_from_other_words():
    assert terms_of("iPhone発売 Ёлка") == ["iphone", "発売", "елка"]


def test_snippet_marks_matches_whatever_their_accents_and_escapes_the_rest():
    marked = snippet("<b>Zürich</b> & the café", ["zurich", "cafe"])
    assert marked == "&lt;b&gt;<mark>Zürich</mark>&lt;/b&gt; &amp; the <mark>café</mark>"
    assert snippet("nothing here", ["cafe"]) is None


def test_matches_are_word_prefixes_except_in_scripts_without_spaces():
    text = "vaccination, revaccination; 新しいワイヤレスイヤホン"
    spans = [text[a:b] for a, b in match_spans(text, ["vacc", "イヤホン"])]
    assert spans == ["vaccination", "イヤホン"]


def test_a_long_text_is_cut_around_the_first_match():
    text = "word " * 200 + "needle " + "word " * 200
    marked = snippet(text, ["needle"])
    assert "<mark>needle</mark>" in marked and marked.startswith("…") and marked.endswith("…")
    assert len(marked) < 300

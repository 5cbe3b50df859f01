"""One table of queries and the articles they must (and must not) find, run on whichever engine
the suite runs on: the same query means the same on SQLite and PostgreSQL (issue 15).

Run it on both: `pytest articles/tests/test_search_table.py` and the same with
DATABASE_URL=postgres://... .
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.search import find, search_articles, suggest

from .factories import make_article

pytestmark = pytest.mark.django_db

ARTICLES = {
    "zurich": dict(title="Café culture returns to Zürich", excerpt="Old coffee houses reopen by the lake."),
    "cafe-plain": dict(title="Cafe owners count the cost", excerpt="Rents rose again."),
    "moscow": dict(title="Москва весной", excerpt="Парки открываются после зимы."),
    "athens": dict(title="Αθήνα: νέο μετρό", excerpt="Η γραμμή ανοίγει τον Μάιο."),
    "earphones": dict(title="東京で新しいワイヤレスイヤホンが発売された", excerpt="価格は一万円。"),
    "beijing": dict(title="今天北京天气很好", excerpt="市民外出散步。"),
    "thai": dict(title="ข่าววันนี้ประเทศไทย", excerpt="ฝนตกหนักในกรุงเทพ"),
    "vaccination": dict(title="Regional vaccination campaign reaches villages", excerpt="Nurses travel by boat."),
    "body-only": dict(title="Council meeting notes", excerpt="Budget items.",
                      body="The mayor said the **aqueduct** repairs start in spring."),
    "aqueduct-title": dict(title="Aqueduct repairs approved", excerpt="Work starts soon."),
    "draft": dict(title="Draft about Zürich cafés and イヤホン", published=False),
    "scheduled": dict(title="Scheduled vaccination story in Москва", published_at_offset=timedelta(days=2)),
}

# query -> the articles it finds, best first where the order is given as a list (a set: any order).
TABLE = [
    # Accents and case, both ways.
    ("cafe", {"zurich", "cafe-plain"}),
    ("café", {"zurich", "cafe-plain"}),
    ("CAFÉ", {"zurich", "cafe-plain"}),
    ("Cafe", {"zurich", "cafe-plain"}),
    ("zurich", ["zurich"]),
    ("ZÜRICH", ["zurich"]),
    # Cyrillic and Greek (tonos both ways).
    ("москва", ["moscow"]),
    ("МОСКВА", ["moscow"]),
    ("αθηνα", ["athens"]),
    ("ΑΘΉΝΑ", ["athens"]),
    ("Αθήνα", ["athens"]),
    ("μετρο", ["athens"]),
    # Words inside text without spaces: at the start, inside, at the end; two characters; one.
    ("東京", ["earphones"]),
    ("イヤホン", ["earphones"]),
    ("発売", ["earphones"]),
    ("一万円", ["earphones"]),
    ("北京", ["beijing"]),
    ("天气", ["beijing"]),
    ("散步", ["beijing"]),
    ("วันนี้", ["thai"]),
    ("กรุงเทพ", ["thai"]),
    ("大阪", []),
    ("イヤホンX", []),
    # Several words: every one must match somewhere.
    ("culture zurich", ["zurich"]),
    ("coffee zurich", ["zurich"]),
    ("culture moscow", []),
    # Word prefixes.
    ("vacc", ["vaccination"]),
    ("villa", ["vaccination"]),
    # Bodies, below titles.
    ("aqueduct", ["aqueduct-title", "body-only"]),
    ("mayor", ["body-only"]),
    # Drafts and scheduled articles never.
    ("draft", []),
    ("scheduled", []),
]


@pytest.fixture
def stored(db):
    """The table's articles, plus unrelated ones (ranking weighs how rare a word is)."""
    for i in range(10):
        make_article(f"Unrelated headline {i}", excerpt="Weather and sport.")
    ids = {}
    for key, fields in ARTICLES.items():
        fields = dict(fields)
        offset = fields.pop("published_at_offset", None)
        if offset is not None:
            fields["published_at"] = timezone.now() + offset
        ids[key] = make_article(fields.pop("title"), **fields).pk
    return ids


@pytest.mark.parametrize("query, expected", TABLE, ids=[q for q, _ in TABLE])
def test_query_finds_exactly(stored, query, expected):
    names = {pk: key for key, pk in stored.items()}
    found = [names.get(a.pk, a.title) for a in search_articles(Article.objects.published(), query)]
    if isinstance(expected, list):
        assert found == expected
    else:
        assert sorted(found) == sorted(expected)


def test_a_typo_finds_the_article_and_offers_the_correction(stored):
    """`vacination` (one letter missing) finds nothing by itself; the page searches `vaccination`."""
    assert list(search_articles(Article.objects.published(), "vacination")) == []
    assert suggest("vacination") == "vaccination"
    result = find(Article.objects.published(), "vacination")
    assert result.corrected and result.suggestion == "vaccination"
    assert [a.pk for a in result.articles] == [stored["vaccination"]]


@pytest.mark.parametrize("typo, corrected", [
    ("vaccinatoin", "vaccination"),  # two letters swapped
    ("vaccinnation", "vaccination"),  # one letter too many
    ("vaxcination", "vaccination"),  # one letter wrong
    ("vaccinatión", None),  # accents are no typo: the word is found as it is
    ("vacinatión", "vaccination"),  # a typo, whatever the accents
    ("zürichh", "zurich"),
    ("regional vacination", "regional vaccination"),  # the right word stays
    ("сампания", None),  # no indexed word one edit away
    ("vacc", None),  # a prefix of an indexed word is no typo
    ("boat", None),  # shorter than five letters: never corrected
])
def test_one_edit_typos_of_long_words(stored, typo, corrected):
    assert suggest(typo) == corrected


def test_words_of_drafts_are_never_found_nor_suggested(db):
    """A draft's body is not found, and its title's words are never offered as a correction."""
    make_article("Acmecorp merger talks", body="A secret word: zanzibarite.", published=False)
    make_article("Unrelated headline")
    assert list(search_articles(Article.objects.published(), "zanzibarite")) == []
    assert suggest("acmecorq") == "acmecorp"  # the vocabulary knows the word...
    result = find(Article.objects.published(), "acmecorq")
    assert result.suggestion is None and list(result.articles) == []  # ...the reader never sees it

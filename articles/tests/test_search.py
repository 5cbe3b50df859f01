"""ArticleQuerySet.search(): every word must match somewhere; titles outrank the rest."""

import pytest

from articles.models import Article
from articles.search import terms_of

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def titles(q):
    return [a.title for a in Article.objects.published().search(q)]


def test_title_outranks_topic_provider_and_excerpt_matches():
    make_article("Nothing here", excerpt="mentions fusion in passing")
    make_article("Plain", topics=["Fusion"])
    make_article("Fusion power plant opens")
    make_article("Outlet story", provider=make_provider("Fusion Weekly", "fusionweekly.example"))
    assert titles("fusion") == ["Fusion power plant opens", "Plain", "Outlet story", "Nothing here"]


def test_every_word_must_match_and_phrases_rank_higher():
    make_article("Solar panels cheaper", excerpt="solar")
    make_article("Cheaper solar panels")
    make_article("Solar eclipse")
    assert titles("solar panels") == ["Solar panels cheaper", "Cheaper solar panels"]


def test_case_accents_and_no_match():
    make_article("Café culture in Paris")
    assert titles("CAFÉ") == ["Café culture in Paris"]
    assert titles("nothing-like-this") == []


def test_drafts_are_never_found():
    make_article("Secret merger", published=False)
    assert titles("merger") == []


def test_empty_or_punctuation_only_queries_find_nothing():
    make_article("Anything")
    assert titles("") == [] and titles("  ?!  ") == []


def test_terms_are_deduplicated_and_capped():
    assert terms_of("AI ai Ai robots") == ["ai", "robots"]
    assert len(terms_of(" ".join(f"w{i}" for i in range(50)))) == 8

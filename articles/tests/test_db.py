"""The engine package: the door picks the connection's engine module, every engine offers the
whole interface, and the database holds exactly the triggers its engine module defines."""

import pytest
from django.db import connection

from articles import db
from articles.db import base, postgresql, sqlite
from articles.models import Article
from articles.search import search_articles

from .factories import make_article


@pytest.mark.parametrize("module", [sqlite, postgresql])
def test_every_engine_offers_the_whole_interface(module):
    missing = [name for name in base.INTERFACE if not hasattr(module, name)]
    assert missing == []
    assert module.name in db.ENGINES and db.ENGINES[module.name] is module


def test_the_door_picks_the_engine_of_the_connection():
    module = db.engine()
    assert module is db.engine(connection) is db.for_alias("default")
    assert module in (sqlite, postgresql), "the test databases are SQLite or PostgreSQL"
    assert db.is_engine(module.name) and db.engine_name() == module.name
    other = postgresql if module is sqlite else sqlite
    assert not db.is_engine(other.name)


def test_an_unknown_engine_gets_the_plain_defaults(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "oracle")
    assert db.engine(connection) is base
    assert not db.engine(connection).supports_first_load


@pytest.mark.django_db
def test_the_database_holds_exactly_the_engine_modules_triggers():
    with connection.cursor() as cursor:
        installed = db.engine().installed_triggers(cursor)
    assert installed == set(db.engine().TRIGGERS)
    assert len(installed) >= 9


@pytest.mark.django_db
def test_the_substring_backend_finds_what_the_engine_finds():
    """base.search (any other database) answers like the full-text engine on plain words."""
    make_article("Fusion power plant opens")
    make_article("Weather today", excerpt="No fusion here, only rain.")
    make_article("Unrelated")
    engine_found = [a.title for a in search_articles(Article.objects.published(), "fusion")]
    substring_found = [a.title for a in base.search(Article.objects.published(), ["fusion"])]
    assert engine_found == substring_found == ["Fusion power plant opens", "Weather today"]


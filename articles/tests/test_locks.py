import pytest

from articles import locks
from articles.models import Article

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def test_every_lockable_field_has_a_label_editors_read():
    labels = {name: locks.field_label(name) for name in locks.EDITABLE_FIELDS + locks.CHILD_LOCKS}
    assert labels["item_type"] == "type"
    assert labels["related_links"] == "related links"
    assert "_" not in "".join(labels.values())


def test_tracked_columns_are_the_lockable_columns_of_the_row():
    assert "provider_id" in locks.TRACKED and "provider" not in locks.TRACKED
    assert not set(locks.TRACKED) & set(locks.CHILD_LOCKS)
    for name in locks.TRACKED:
        Article._meta.get_field(name.removesuffix("_id"))


def test_a_lock_covers_its_whole_group():
    article = Article(locked_fields=["title", "provider", "heat"])
    assert locks.locked_columns(article) == {"title", "slug", "provider", "provider_source", "heat"}


def test_kept_count_counts_only_values_that_differ_from_the_file():
    provider = make_provider()
    article = make_article("Editor's title", provider=provider)
    article.heat = 5
    article.locked_fields = ["title", "heat", "provider", "topics"]
    fields = {"title": "The file's title", "heat": 5}
    # title differs, heat is equal, provider is the same, a topics lock always counts.
    assert locks.kept_count(article, fields, provider.pk) == 2
    assert locks.kept_count(article, fields, provider.pk + 1) == 3


def test_update_locks_locks_changes_and_hands_fields_back_to_the_source():
    article = make_article("A story")
    Article.objects.filter(pk=article.pk).update(locked_fields=["title", "heat"], content_hash="abc")
    article.refresh_from_db()

    locks.update_locks(article, changed=["excerpt", "title"], handed_back=[])
    article.refresh_from_db()
    assert article.locked_fields == ["title", "heat", "excerpt"]
    assert article.content_hash == "abc"

    locks.update_locks(article, changed=[], handed_back=["heat"])
    article.refresh_from_db()
    assert article.locked_fields == ["title", "excerpt"]
    assert article.content_hash == ""  # the next import applies the file again


def test_lock_fields_adds_missing_names_once():
    first, second = make_article("One"), make_article("Two")
    assert locks.lock_fields([first.pk, second.pk], ["topics"]) == 2
    assert locks.lock_fields([first.pk, second.pk], ["topics"]) == 0
    assert Article.objects.get(pk=first.pk).locked_fields == ["topics"]

"""The article admin: list, change form, locked fields and bulk actions."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import db
from articles.importer import import_paths
from articles.models import Article, ArticleTopic

from .admin_client import change_form_data, run_action
from .admin_factories import article, provider, topic, write_file

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(obj):
    return reverse("admin:articles_article_change", args=[obj.pk])


# -- change list -----------------------------------------------------------------------------


def test_change_list_shows_columns_status_and_hides_nothing_it_should_show(admin_client):
    """Editors see title, provider, topics and a Draft / Scheduled / Live status per row."""
    live = article("Live story", topics=["AI"], images=1)
    scheduled = article("Scheduled story", published_at=timezone.now() + dt.timedelta(days=2))
    draft = article("Draft story", is_published=False)
    response = admin_client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    for obj in (live, scheduled, draft):
        assert obj.title in html
    rows = {a.title: admin_status for a, admin_status in _statuses(response)}
    assert rows == {"Live story": "Live", "Scheduled story": "Scheduled", "Draft story": "Draft"}
    # Thumbnails are local renditions only: a feed image shows the placeholder, never a hot link.
    assert 'class="no-thumbnail"' in html and 'src="https://img.example.com/' not in html
    assert "Import files" in html


def _statuses(response):
    model_admin = response.context["cl"].model_admin
    return [(a, model_admin.status(a)) for a in response.context["cl"].result_list]


def test_scheduled_filter_lists_only_future_articles(admin_client):
    """The Scheduled filter shows articles waiting for their time, not live ones or drafts."""
    article("Now")
    article("Later", published_at=timezone.now() + dt.timedelta(hours=3))
    article("Draft", is_published=False, published_at=timezone.now() + dt.timedelta(hours=3))
    response = admin_client.get(CHANGELIST, {"status": "scheduled"})
    assert [a.title for a in response.context["cl"].result_list] == ["Later"]


def test_search_finds_by_title_provider_and_url(admin_client):
    """Search matches title words, the provider's name and the article's URL."""
    article("Quantum leap", source=provider("physics.example", "Physics Daily"))
    article("Other news", identity_url="https://example.com/unique-slug-123")
    article("Unrelated")
    titles = lambda q: {a.title for a in admin_client.get(CHANGELIST, {"q": q}).context["cl"].result_list}  # noqa: E731
    assert titles("quantum") == {"Quantum leap"}
    assert titles("Physics Daily") == {"Quantum leap"}
    assert titles("unique-slug-123") == {"Other news"}


def test_provider_and_topic_filters_accept_typed_values(admin_client):
    """Filters take a typed domain or topic slug, and list only the busiest values."""
    bbc = provider("bbc.co.uk", "BBC")
    article("From BBC", source=bbc, topics=["Space"])
    article("Elsewhere", topics=["AI"])
    got = admin_client.get(CHANGELIST, {"provider": "bbc.co.uk"})
    assert [a.title for a in got.context["cl"].result_list] == ["From BBC"]
    got = admin_client.get(CHANGELIST, {"topic": "ai"})
    assert [a.title for a in got.context["cl"].result_list] == ["Elsewhere"]
    assert 'name="provider"' in got.content.decode()


def _changelist_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_change_list_query_count_does_not_grow_with_articles(admin_client):
    """Sixty articles with topics and images cost the same queries as five."""
    for i in range(5):
        article(topics=["AI", f"T{i}"], images=2, source=provider(f"p{i}.example"))
    admin_client.get(CHANGELIST)  # warm the session and content types
    few = _changelist_queries(admin_client)
    for i in range(55):
        article(topics=["AI", f"T{i}"], images=2, source=provider(f"q{i}.example"))
    many = _changelist_queries(admin_client)
    assert many == few
    assert many <= 16


def test_change_form_query_count_does_not_grow_with_articles(admin_client, django_assert_max_num_queries):
    """The change form does not load other articles (or their providers) as it grows."""
    target = article(topics=["AI", "Space"], images=2)
    admin_client.get(change_url(target))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(change_url(target))
    for i in range(60):
        article(topics=["AI"], images=1, source=provider(f"r{i}.example"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(change_url(target))
    assert response.status_code == 200


# -- change form and locked fields ---------------------------------------------------------------


@pytest.fixture
def imported(tmp_path):
    """An article imported from a file on disk, as editors find them."""
    path = write_file(tmp_path, "story.md", title="Source title", heat=10)
    report = import_paths([path], workers=1)
    assert report.created == 1
    return Article.objects.get(), path


def test_change_form_groups_fields_and_tucks_provenance_away(admin_client, imported):
    """The form has the editor's groups; provenance and secured are read-only in a collapsed box."""
    obj, path = imported
    response = admin_client.get(change_url(obj))
    html = response.content.decode()
    assert "Kept from the editor" in html and "Nothing: every field follows the source file." in html
    assert "Provenance" in html and 'class="module aligned collapse' in html
    form = response.context["adminform"].form
    assert "source_path" not in form.fields and "secured" not in form.fields and "identity_url" not in form.fields
    assert str(path) in html
    assert "View on site" in html


def test_editor_title_survives_reimport_while_other_fields_follow_source(admin_client, imported):
    """An edited title stays through a re-import of the changed file; heat follows the file."""
    obj, path = imported
    data = change_form_data(admin_client.get(change_url(obj)))
    data["title"] = "Editor's better title"
    response = admin_client.post(change_url(obj), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
    assert obj.title == "Editor's better title"
    assert obj.locked_fields == ["title"]

    write_file(path.parent, path.name, title="Source title, revised", heat=99)
    report = import_paths([path], workers=1)
    assert report.updated == 1 and report.kept_fields == 1
    obj.refresh_from_db()
    assert obj.title == "Editor's better title"
    assert obj.heat == 99

    # The form tells the editor which fields are kept.
    html = admin_client.get(change_url(obj)).content.decode()
    assert "Kept from the editor" in html and 'value="title"' in html


def test_return_to_source_restores_the_file_value_at_once(admin_client, imported):
    """Handing a field back re-imports its file: the source's value returns and the lock goes."""
    obj, path = imported
    Article.objects.filter(pk=obj.pk).update(title="Edited", locked_fields=["title", "heat"], heat=1)
    data = change_form_data(admin_client.get(change_url(obj)))
    data["title"] = "Edited"
    data["return_to_source"] = ["title"]
    response = admin_client.post(change_url(obj), data, follow=True)
    obj.refresh_from_db()
    assert obj.title == "Source title"
    assert obj.locked_fields == ["heat"]
    assert obj.heat == 1  # still the editor's
    assert "re-imported" in response.content.decode()


def test_return_to_source_without_file_clears_hash_for_next_import(admin_client, imported):
    """When the file is gone, handing back clears the hash so the next import re-applies it."""
    obj, path = imported
    Article.objects.filter(pk=obj.pk).update(title="Edited", locked_fields=["title"], source_path="/nonexistent/x.md")
    data = change_form_data(admin_client.get(change_url(obj)))
    data["return_to_source"] = ["title"]
    admin_client.post(change_url(obj), data)
    obj.refresh_from_db()
    assert obj.locked_fields == [] and obj.content_hash == "" and obj.title == "Edited"
    import_paths([path], workers=1)
    obj.refresh_from_db()
    assert obj.title == "Source title"


def test_topic_inline_change_locks_topics_and_can_pin(admin_client, imported):
    """Pinning a topic in the inline locks topics; a re-import keeps the editor's topics."""
    obj, path = imported
    data = change_form_data(admin_client.get(change_url(obj)))
    data["topic_links-0-pinned"] = "on"
    response = admin_client.post(change_url(obj), data)
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.locked_fields == ["topics"]
    assert ArticleTopic.objects.get(content_object=obj).pinned
    write_file(path.parent, path.name, topics=("Robots",), heat=5)
    import_paths([path], workers=1)
    assert list(obj.topics.names()) == ["AI"]


def test_adding_an_image_row_positions_it_last_and_locks_images(admin_client, imported):
    """An image added in the inline without a position goes last; images are then locked."""
    obj, _ = imported
    data = change_form_data(admin_client.get(change_url(obj)))
    data["images-TOTAL_FORMS"] = "2"
    data.update(
        {"images-1-url": "https://img.example.org/new.jpg", "images-1-title": "New", "images-1-article": str(obj.pk)}
    )
    response = admin_client.post(change_url(obj), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    assert list(obj.images.values_list("position", "url")) == [
        (0, "https://img.example.org/a.jpg"), (1, "https://img.example.org/new.jpg"),
    ]
    obj.refresh_from_db()
    assert obj.locked_fields == ["images"]


def test_saving_change_form_writes_readable_history(admin_client, imported):
    """The history lists the change made in the form."""
    obj, _ = imported
    data = change_form_data(admin_client.get(change_url(obj)))
    data["heat"] = "77"
    admin_client.post(change_url(obj), data)
    entry = LogEntry.objects.get(object_id=str(obj.pk))
    assert "Heat" in entry.get_change_message()


# -- actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "before", "after", "locked"),
    [
        ("publish", "is_published", False, True, True),
        ("unpublish", "is_published", True, False, True),
        ("feature", "is_featured", False, True, False),
        ("unfeature", "is_featured", True, False, False),
        ("pin_home", "pinned_home", False, True, False),
        ("unpin_home", "pinned_home", True, False, False),
    ],
)
def test_flag_actions(admin_client, action, field, before, after, locked):
    """Each flag action changes the selected articles only, logs it, and locks what imports set."""
    chosen = [article(**{field: before}), article(**{field: before})]
    other = article(**{field: before})
    response = run_action(admin_client, CHANGELIST, action, chosen)
    assert response.status_code == 302
    for obj in chosen:
        obj.refresh_from_db()
        assert getattr(obj, field) is after
        assert (field in obj.locked_fields) is locked
    other.refresh_from_db()
    assert getattr(other, field) is before
    assert LogEntry.objects.filter(object_id__in=[str(o.pk) for o in chosen]).count() == 2
    assert LogEntry.objects.filter(object_id=str(other.pk)).count() == 0


def test_published_action_survives_reimport(admin_client, imported):
    """Unpublishing in the admin sticks when the file (published: true) is imported again."""
    obj, path = imported
    run_action(admin_client, CHANGELIST, "unpublish", [obj])
    write_file(path.parent, path.name, heat=42)
    import_paths([path], workers=1)
    obj.refresh_from_db()
    assert obj.is_published is False and obj.heat == 42


def test_add_topic_action_shows_form_then_adds(admin_client):
    """Add a topic asks for the topic first, then tags the selection with it."""
    chosen = [article(topics=["AI"]), article()]
    page = run_action(admin_client, CHANGELIST, "add_topic", chosen)
    assert page.status_code == 200 and b"Add a topic" in page.content
    assert not Tag.objects.filter(name="Climate").exists()
    response = run_action(admin_client, CHANGELIST, "add_topic", chosen, topic="Climate", apply="1")
    assert response.status_code == 302
    for obj in chosen:
        assert "Climate" in obj.topics.names()
    assert LogEntry.objects.filter(change_message="Added topic Climate.").count() == 2


def test_remove_topic_action_offers_only_the_selections_topics(admin_client):
    """Remove a topic offers the selection's topics and removes the chosen one."""
    a = article(topics=["AI", "Space"])
    article(topics=["Unrelated"])
    page = run_action(admin_client, CHANGELIST, "remove_topic", [a])
    choices = {t.name for t in page.context["form"].fields["topic"].queryset}
    assert choices == {"AI", "Space"}
    run_action(admin_client, CHANGELIST, "remove_topic", [a], topic=str(topic("AI").pk), apply="1")
    assert list(a.topics.names()) == ["Space"]


def test_pin_to_topic_action_and_unpin(admin_client):
    """Pin to topic… pins the chosen topic's link; Unpin from topics clears every pin."""
    a = article(topics=["AI", "Space"])
    page = run_action(admin_client, CHANGELIST, "pin_topic", [a])
    assert page.status_code == 200 and b"Pin to a topic" in page.content
    run_action(admin_client, CHANGELIST, "pin_topic", [a], topic=str(topic("Space").pk), apply="1")
    assert dict(ArticleTopic.objects.filter(content_object=a).values_list("tag__name", "pinned")) == {
        "AI": False, "Space": True,
    }
    run_action(admin_client, CHANGELIST, "unpin_topics", [a])
    assert not ArticleTopic.objects.filter(pinned=True).exists()


def test_intermediate_form_shows_errors_and_changes_nothing_when_invalid(admin_client):
    """Submitting the topic form empty keeps the editor on the form with an error."""
    a = article(topics=["AI"])
    response = run_action(admin_client, CHANGELIST, "pin_topic", [a], apply="1")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ArticleTopic.objects.filter(pinned=True).exists()


def test_export_zip_round_trips_through_import(admin_client, imported, tmp_path):
    """The exported zip holds front-matter files the importer reads back to the same article."""
    pytest.importorskip("articles.exporter")
    obj, _ = imported
    response = run_action(admin_client, CHANGELIST, "export_zip", [obj], follow=True)
    download = re.search(r'href="([^"]+/download/)"', response.content.decode()).group(1)
    response = admin_client.get(download)
    assert response["Content-Type"] == "application/zip"
    outdir = tmp_path / "back"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        names = archive.namelist()
        assert len(names) == 1
        archive.extractall(outdir)
    Article.objects.all().delete()
    report = import_paths([outdir], workers=1)
    assert report.created == 1 and report.ok
    again = Article.objects.get()
    assert (again.identity_url, again.title, again.heat) == (obj.identity_url, obj.title, obj.heat)
    assert list(again.topics.names()) == ["AI"]


def test_editor_can_write_a_new_article(admin_client):
    """An article written in the admin gets a slug, and its fields are the editor's."""
    add_url = reverse("admin:articles_article_add")
    data = change_form_data(admin_client.get(add_url))
    data.update({
        "title": "Written by hand", "identity_url": "https://newsroom.example/hand",
        "provider": str(provider().pk), "is_published": "on",
        "published_at_0": "2024-01-02", "published_at_1": "10:00:00",
    })
    response = admin_client.post(add_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj = Article.objects.get()
    assert obj.slug == "written-by-hand"
    assert {"title", "provider", "is_published", "published_at"} <= set(obj.locked_fields)
    assert obj.is_public


def test_estimated_count_paginator(monkeypatch):
    """Unfiltered lists on PostgreSQL use the planner's estimate; filtered ones count exactly."""
    from articles.admin.base import EstimatedCountPaginator

    for _ in range(3):
        article()
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", -2)
    if db.is_engine("postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_article")
    unfiltered = EstimatedCountPaginator(Article.objects.all(), 50)
    assert unfiltered.count == 3  # exact on SQLite; freshly analysed on PostgreSQL
    filtered = EstimatedCountPaginator(Article.objects.filter(title="Story 0"), 50)
    with CaptureQueriesContext(connection) as ctx:
        assert filtered.count == 0
    assert "COUNT" in ctx.captured_queries[0]["sql"].upper()


def test_change_form_query_count_does_not_grow_with_topics_or_images(admin_client):
    """An article with twelve topics and images opens with the same queries as one with two."""
    counts = []
    for n in (2, 12):
        obj = article(topics=[f"Topic {n}-{i}" for i in range(n)], images=n)
        admin_client.get(change_url(obj))
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(change_url(obj))
        counts.append(len(ctx.captured_queries))
        html = response.content.decode()
        for i in range(n):
            tag = Tag.objects.get(name=f"Topic {n}-{i}")
            assert f'<option value="{tag.pk}" selected>Topic {n}-{i}</option>' in html
    assert counts[0] == counts[1] <= 10


def test_topic_added_in_inline_gets_its_name_as_label(admin_client, imported):
    """A topic added in the form is saved after the others, spelled as the topic."""
    obj, _ = imported
    space = topic("Space")
    data = change_form_data(admin_client.get(change_url(obj)))
    data["topic_links-TOTAL_FORMS"] = "2"
    data.update({"topic_links-1-tag": str(space.pk), "topic_links-1-content_object": str(obj.pk)})
    response = admin_client.post(change_url(obj), data)
    assert response.status_code == 302
    assert list(ArticleTopic.objects.filter(content_object=obj).values_list("tag__name", "label", "position")) == [
        ("AI", "AI", 0), ("Space", "Space", 1),
    ]

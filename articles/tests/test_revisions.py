"""Article versions: saves, actions and imports keep one; editors compare two and restore one."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.importer import import_paths
from articles.models import Article, ArticleVersion

from .admin_client import change_form_data, run_action
from .admin_factories import article, editor, write_file

pytestmark = pytest.mark.django_db


def history(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_import_keeps_the_feeds_version_and_a_reimport_another(tmp_path):
    """Created and updated articles each get a version marked as the feed's, in the import's batch."""
    path = write_file(tmp_path, "a.md", title="First title", topics=("AI", "Space"))
    import_paths([tmp_path])
    story = Article.objects.get()
    write_file(tmp_path, "a.md", title="Second title", topics=("AI", "Space"))
    import_paths([tmp_path])
    import_paths([tmp_path])  # unchanged: no new version
    versions = list(story.versions.all())
    assert [v.origin for v in versions] == ["import", "import"]
    assert [v.snapshot["title"] for v in versions] == ["Second title", "First title"]
    assert versions[0].user is None
    assert path.exists()
    # What the import wrote is what the article holds: no difference from now.
    assert revisions.changes(versions[0].snapshot, revisions.current_snapshots([story.pk])[story.pk]) == []


def test_a_form_save_and_an_action_each_keep_a_version_by_the_editor(client):
    user = editor()
    client.force_login(user)
    story = article("Old headline", topics=["AI"])
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = change_form_data(client.get(url))
    data["title"] = "New headline"
    assert client.post(url, data).status_code == 302
    run_action(client, reverse("admin:articles_article_changelist"), "unpublish", [story])
    versions = list(story.versions.all())
    assert [(v.origin, v.user, v.message) for v in versions] == [
        ("editor", user, "Unpublished"), ("editor", user, "Changed title."),
    ]
    assert versions[1].snapshot["title"] == "New headline" and versions[0].snapshot["is_published"] is False


def test_history_lists_each_version_with_old_and_new_side_by_side(client):
    client.force_login(editor())
    story = article("Yesterday's title", excerpt="Same")
    revisions.record([story.pk], user=None, origin=ArticleVersion.Origin.IMPORT)
    Article.objects.filter(pk=story.pk).update(title="Today's title")
    revisions.record([story.pk], user=None)
    html = client.get(history(story)).content.decode()
    versions = re.findall(r'<li class="version"(.*?)</li>', html, re.S)
    assert len(versions) == 2
    newest = text(versions[0])
    assert "Title Yesterday&#x27;s title Today&#x27;s title" in newest
    assert "Excerpt" not in newest  # unchanged fields are not listed
    assert "the feed (import)" in text(versions[1])
    assert "Restore…" in versions[1] and "Restore…" not in versions[0]


def test_compare_two_versions_field_by_field(client):
    client.force_login(editor())
    story = article("One", heat=5)
    revisions.record([story.pk], user=None)
    Article.objects.filter(pk=story.pk).update(title="Two", heat=9)
    revisions.record([story.pk], user=None)
    older, newer = sorted(story.versions.all(), key=lambda v: v.pk)
    url = reverse("admin:articles_article_compare", args=[story.pk]) + f"?from={older.pk}&to={newer.pk}"
    page = text(client.get(url).content.decode())
    assert "Title One Two" in page and "Heat 5 9" in page
    assert "Restore this version" not in page  # only against the article as it is now


def test_restore_brings_back_the_title_locks_it_and_keeps_a_version(client, tmp_path):
    """Yesterday's title comes back, the next import leaves it alone, History says who restored it."""
    write_file(tmp_path, "a.md", title="Feed title", url="https://n.example/a")
    import_paths([tmp_path])
    story = Article.objects.get()
    feed_version = story.versions.get()
    Article.objects.filter(pk=story.pk).update(title="Editor's mistake")
    user = editor()
    client.force_login(user)
    compare = reverse("admin:articles_article_compare", args=[story.pk]) + f"?from={feed_version.pk}&to=current"
    page = client.get(compare).content.decode()
    assert "Restore this version" in page
    response = client.post(reverse("admin:articles_article_restore", args=[story.pk, feed_version.pk]), follow=True)
    assert "Restored title from the version of" in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Feed title" and story.slug == "feed-title"
    assert "title" in story.locked_fields
    latest = story.versions.first()
    assert (latest.origin, latest.user) == ("restore", user)
    write_file(tmp_path, "a.md", title="Feed changed its mind", url="https://n.example/a", heat=77)
    import_paths([tmp_path])
    story.refresh_from_db()
    assert story.title == "Feed title" and story.heat == 77


def test_restore_brings_back_topics_and_needs_post_and_change_permission(client, django_user_model):
    story = article("Story", topics=["AI", "Space"])
    revisions.record([story.pk], user=None)
    version = story.versions.get()
    story.topic_links.filter(tag__name="Space").delete()
    url = reverse("admin:articles_article_restore", args=[story.pk, version.pk])
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    client.force_login(editor())
    assert client.get(url).status_code == 405
    client.post(url)
    assert [link.tag.name for link in story.topic_links.order_by("position")] == ["AI", "Space"]


def test_history_page_queries_do_not_grow_with_versions(client, django_assert_num_queries):
    """The same number of queries for 2 versions as for 60 (names of topics and providers looked up once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor())
    story = article("Story", topics=["AI"])

    def versions(n):
        for i in range(n):
            Article.objects.filter(pk=story.pk).update(heat=i, title=f"Title {i}")
            revisions.record([story.pk], user=None)

    versions(2)
    client.get(history(story))
    with CaptureQueriesContext(connection) as few:
        client.get(history(story))
    versions(58)
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(history(story)).content.decode()
    assert html.count('<li class="version"') == 50


def test_merging_topics_or_providers_keeps_a_version_of_each_moved_article(admin_client, admin_user):
    """A merge changes articles' topics or provider: each moved article gets a version; others do not."""
    from taggit.models import Tag

    from articles.models import Provider

    from .admin_client import run_action
    from .admin_factories import provider, topic

    moved = article("Moved", topics=["Artificial Intelligence"])
    untouched = article("Untouched", topics=["Weather"])
    ai, long = topic("AI"), topic("Artificial Intelligence")
    run_action(admin_client, reverse("admin:articles_topic_changelist"), "merge", [ai, long],
               target=str(ai.pk), apply="1")
    version = moved.versions.get()
    assert version.snapshot["topics"] == [ai.pk] and version.user == admin_user
    assert "merged into AI" in version.message
    assert not untouched.versions.exists()

    big, small = provider("big.example"), provider("small.example")
    on_small = article("From small", source=small)
    run_action(admin_client, reverse("admin:articles_provider_changelist"), "merge", [big, small],
               target=str(big.pk), apply="1")
    assert on_small.versions.get().snapshot["provider"] == big.pk
    assert not Provider.objects.filter(pk=small.pk).exists() and Tag.objects.filter(name="AI").exists()

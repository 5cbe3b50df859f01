"""The editors' desk: the admin's front page shows what needs attention, each part linked to its list."""

import datetime as dt
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ImportJob

from .admin_factories import article, editor, provider

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def part(html, key):
    """The HTML of one desk part."""
    match = re.search(rf'<section class="module desk-part desk-{key}">(.*?)</section>', html, re.S)
    assert match, f"no {key} part on the desk"
    return match.group(1)


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


def test_drafts_oldest_first_and_scheduled_next_first_link_to_their_filtered_lists(editor_client):
    """Drafts list the oldest first, scheduled the next first; live articles are in neither."""
    now = timezone.now()
    article("Old draft", is_published=False, published_at=now - dt.timedelta(days=9))
    article("New draft", is_published=False, published_at=now - dt.timedelta(days=1))
    article("Soon", published_at=now + dt.timedelta(hours=2))
    article("Later", published_at=now + dt.timedelta(days=3))
    article("Already live")
    html = editor_client.get(INDEX).content.decode()

    drafts = part(html, "drafts")
    assert drafts.index("Old draft") < drafts.index("New draft")
    assert "2 drafts, oldest first" in drafts
    assert "Soon" not in drafts and "Already live" not in drafts
    assert 'href="/admin/articles/article/?status=draft&amp;o=5"' in drafts

    scheduled = part(html, "scheduled")
    assert scheduled.index("Soon") < scheduled.index("Later")
    assert "2 articles scheduled, next first" in scheduled
    assert "Old draft" not in scheduled and "Already live" not in scheduled
    assert "status=scheduled" in scheduled

    # The links give the same lists.
    listed = editor_client.get(reverse("admin:articles_article_changelist") + "?status=draft&o=5").content.decode()
    assert listed.index("Old draft") < listed.index("New draft") and "Soon" not in listed


def test_one_draft_is_said_in_the_singular(editor_client):
    article("Lonely draft", is_published=False)
    assert "1 draft, oldest first" in part(editor_client.get(INDEX).content.decode(), "drafts")


def test_recent_imports_show_counts_and_refusals_older_ones_do_not(editor_client):
    """An import of the last 24 h says what it created and how many files it refused."""
    user = editor("uploader")
    fresh = ImportJob.objects.create(
        created_by=user, status=ImportJob.Status.DONE, staging_dir="/nowhere", files_total=3, files_done=3,
        result={"summary": "", "counts": {"created": 2, "updated": 0, "unchanged": 0, "refused": 1},
                "refused": [["bad.md", ["title: missing"]]], "outcomes": [], "warnings": []},
    )
    old = ImportJob.objects.create(created_by=user, status=ImportJob.Status.DONE, staging_dir="/x", result=None)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    imports = part(editor_client.get(INDEX).content.decode(), "imports")
    assert f"Import #{fresh.pk}" in imports and f"Import #{old.pk}" not in imports
    assert "2 created" in imports and "1 refused" in imports
    assert "1 import in the last 24 hours, 1 with refused files" in imports
    assert reverse("admin:articles_article_import") in imports


def test_rising_topics_compare_today_with_the_day_before(editor_client):
    """A topic with more new live articles today than yesterday comes first; drafts do not count."""
    now = timezone.now()
    for hours in (1, 2, 3):
        article(topics=["Elections"], heat=30, published_at=now - dt.timedelta(hours=hours))
    article(topics=["Weather"], heat=5, published_at=now - dt.timedelta(hours=1))
    article(topics=["Weather"], published_at=now - dt.timedelta(hours=30))
    article(topics=["Weather"], published_at=now - dt.timedelta(hours=31))
    article(topics=["Hidden"], is_published=False, published_at=now - dt.timedelta(hours=1))
    topics = part(editor_client.get(INDEX).content.decode(), "topics")
    assert topics.index("Elections") < topics.index("Weather")
    assert "3 today · 0 the day before · heat 90 (was 0)" in topics
    assert "1 today · 2 the day before" in topics
    assert "Hidden" not in topics
    assert "/admin/articles/article/?topic=elections" in topics


def test_rising_stories_compare_today_with_the_day_before_and_ignore_drafts(editor_client):
    """A story with more new live articles today comes first, named by its lead; drafts do not count."""
    from articles.models import Story

    now = timezone.now()
    election = Story.objects.create()
    weather = Story.objects.create()
    leads = []
    for hours, outlet in ((1, "a"), (2, "b"), (3, "c")):
        leads.append(article(f"Vote count {outlet}", heat=20, story=election, source=provider(f"{outlet}.example"),
                             published_at=now - dt.timedelta(hours=hours)))
    article("Storm warning", heat=5, story=weather, published_at=now - dt.timedelta(hours=1))
    article("Storm forecast", story=weather, published_at=now - dt.timedelta(hours=30))
    article("Storm outlook", story=weather, published_at=now - dt.timedelta(hours=31))
    hidden = Story.objects.create()
    article("Secret merger", story=hidden, is_published=False, published_at=now - dt.timedelta(hours=1))
    Story.objects.filter(pk=election.pk).update(lead=leads[0])
    Story.objects.filter(pk=weather.pk).update(lead=Article.objects.get(title="Storm warning"))
    Story.objects.filter(pk=hidden.pk).update(lead=Article.objects.get(title="Secret merger"))

    stories = part(editor_client.get(INDEX).content.decode(), "stories")
    assert stories.index("Vote count a") < stories.index("Storm warning")
    assert "3 outlets today · 3 today · 0 the day before · heat 60" in stories
    assert "1 outlet today · 1 today · 2 the day before" in stories
    assert "Secret merger" not in stories
    assert reverse("admin:articles_story_change", args=[election.pk]) in stories
    # The editor may open the story the desk links to.
    assert editor_client.get(reverse("admin:articles_story_change", args=[election.pk])).status_code == 200


def test_changed_today_says_who_changed_what(editor_client):
    """Editors' changes since midnight, with the editor's name and the message; yesterday's are not."""
    story = article("Budget vote")
    older = article("Old news")
    someone = editor("colleague")
    content_type = ContentType.objects.get_for_model(Article)
    LogEntry.objects.log_actions(someone.pk, [story], CHANGE, change_message="Changed title.")
    LogEntry.objects.log_actions(someone.pk, [older], CHANGE, change_message="Changed heat.")
    LogEntry.objects.filter(object_id=str(older.pk), content_type=content_type).update(
        action_time=timezone.now() - dt.timedelta(days=2)
    )
    changes = part(editor_client.get(INDEX).content.decode(), "changes")
    assert "Budget vote" in changes and "colleague" in changes and "Changed title." in changes
    assert "Old news" not in changes
    assert "1 change to articles today" in changes


def test_import_files_is_on_the_front_page_and_internal_apps_are_not_for_editors(editor_client):
    html = editor_client.get(INDEX).content.decode()
    assert f'href="{reverse("admin:articles_article_import")}"' in html
    assert "Axes" not in html and "Tasks Database Backend" not in html and "System" not in html
    assert "Topics" in html and "Taggit" not in html


def test_superusers_reach_internal_apps_from_a_system_box(admin_client):
    html = admin_client.get(INDEX).content.decode()
    system = re.search(r'<div class="module desk-system">(.*?)</div>', html, re.S).group(1)
    assert 'href="/admin/axes/"' in system
    assert 'href="/admin/django_tasks_database/"' in system
    main = html.split('<div class="module desk-system">')[0]
    assert 'href="/admin/axes/"' not in main
    assert admin_client.get("/admin/axes/").status_code == 200


def test_desk_queries_do_not_grow_with_the_corpus(editor_client, django_assert_num_queries):
    """The same number of queries for a handful of articles as for many more."""
    def fill(n):
        now = timezone.now()
        for i in range(n):
            article(is_published=False, topics=["Elections"])
            article(published_at=now + dt.timedelta(hours=i + 1), topics=["Weather"])
            ImportJob.objects.create(staging_dir="/x", result={"counts": {"refused": 1}})

    fill(2)
    editor_client.get(INDEX)  # warm the content-type cache and the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        editor_client.get(INDEX)
    fill(15)
    with django_assert_num_queries(len(small.captured_queries)):
        response = editor_client.get(INDEX)
    assert response.status_code == 200


def test_staff_without_article_permissions_see_no_desk(client, django_user_model):
    """The desk shows articles and imports only to accounts that may view articles."""
    article("Secret draft", is_published=False)
    client.force_login(django_user_model.objects.create_user("intern", password="x", is_staff=True))
    html = client.get(INDEX).content.decode()
    assert "Secret draft" not in html and "module desk-part" not in html and "Import files" not in html

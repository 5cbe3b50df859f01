"""The desk, the article list, the form and the History in a real browser, at 1280 px and 390 px."""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from articles import revisions
from articles.models import Article, ArticleVersion, ImportJob

from .admin_factories import article, editor
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "Regional parliament passes the long-debated coastal flood defence budget after a night session"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)


def log_in(page, live_server, user):
    user.set_password("editor-pass-123")
    user.save()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "editor-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def newsroom():
    now = timezone.now()
    story = article(LONG_TITLE, is_featured=True, pinned_home=True, topics=["Climate Change", "Politics", "Coastal cities"], images=2,
                    excerpt="The vote ends months of argument over who pays for the sea walls. " * 3,
                    published_at=now - dt.timedelta(hours=2), heat=120, quality=80)
    for i in range(6):
        article(f"Story number {i} about the harbour strike and the ferries", topics=["Transport", "Labour"],
                published_at=now - dt.timedelta(hours=3 + i), images=1 if i % 2 else 0)
    article("Draft waiting for a second read", is_published=False)
    article("Scheduled for tomorrow morning", published_at=now + dt.timedelta(hours=14))
    colleague = editor("colleague")
    ImportJob.objects.create(
        created_by=colleague, status=ImportJob.Status.DONE, staging_dir="/gone", files_total=3, files_done=3,
        result={"summary": "3 files", "counts": {"created": 2, "updated": 0, "unchanged": 0, "refused": 1},
                "refused": [["broken.md", ["title: missing"]]], "outcomes": [], "warnings": []},
    )
    LogEntry.objects.log_actions(colleague.pk, [story], CHANGE, change_message="Changed title.")
    return story


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def page_overflow(page):
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("size", WIDTHS)
def test_desk_list_and_form_fit_the_screen(page, live_server, size):
    width, height = WIDTHS[size]
    page.set_viewport_size({"width": width, "height": height})
    story = newsroom()
    log_in(page, live_server, editor())

    page.goto(f"{live_server.url}/admin/")
    shot(page, f"index-{width}")
    assert page.locator(".desk-drafts").inner_text().count("Draft waiting for a second read") == 1
    assert page.locator("a.desk-import").is_visible()
    assert "1 refused" in page.locator(".desk-imports").inner_text()
    assert "colleague" in page.locator(".desk-changes").inner_text()
    assert page_overflow(page) == 0

    page.goto(f"{live_server.url}{reverse('admin:articles_article_import')}")
    shot(page, f"import-{width}")
    assert page_overflow(page) == 0

    page.goto(f"{live_server.url}{reverse('admin:articles_article_changelist')}")
    shot(page, f"changelist-{width}")
    title = box(page, "#result_list tbody tr .field-title")
    topics = box(page, "#result_list tbody tr .field-topic_names")
    thumb = box(page, "#result_list tbody tr .field-thumbnail img")
    assert thumb and thumb["width"] >= 40  # a local rendition or the placeholder, never an empty cell
    if size == "desktop":
        assert title["width"] >= 300, title
        results = box(page, ".results")
        for column in ("topic_names", "status"):
            cell = box(page, f"#result_list tbody tr .field-{column}")
            assert cell["x"] + cell["width"] <= results["x"] + results["width"] + 1, f"{column} is cut off"
        assert page_overflow(page) == 0
        # The long headline wraps to at most three lines.
        assert title["height"] <= 3 * 22, title
    else:
        assert title["width"] >= 200, title
        assert page_overflow(page) == 0  # the table scrolls inside its box, not the page

    page.goto(f"{live_server.url}{reverse('admin:articles_article_change', args=[story.pk])}")
    shot(page, f"change-form-{width}")
    content = box(page, "#content-main")
    title_input = box(page, "#id_title")
    excerpt_input = box(page, "#id_excerpt")
    assert title_input["width"] >= 0.6 * content["width"], (title_input, content)
    assert excerpt_input["width"] >= 0.6 * content["width"], (excerpt_input, content)
    assert page_overflow(page) == 0
    for inline in page.locator(".inline-group").all():
        inline_box = inline.bounding_box()
        assert inline_box["x"] + inline_box["width"] <= width + 1, "an inline overflows the page"


def test_editor_restores_yesterdays_title_in_three_clicks(page, live_server):
    """From the article's form: History, Restore… beside yesterday's version, Restore this version."""
    story = article("Yesterday's careful headline", topics=["Politics"])
    revisions.record([story.pk], user=None, origin=ArticleVersion.Origin.IMPORT)
    ArticleVersion.objects.filter(article=story).update(created_at=timezone.now() - dt.timedelta(days=1))
    Article.objects.filter(pk=story.pk).update(title="Todays hasty headlne")
    user = editor()
    revisions.record([story.pk], user=user, message="Changed title.")
    log_in(page, live_server, user)
    page.goto(f"{live_server.url}{reverse('admin:articles_article_change', args=[story.pk])}")

    page.click("a.historylink")  # 1
    page.wait_for_selector(".article-versions")
    shot(page, "history-1280")
    assert "Yesterday's careful headline" in page.inner_text(".version >> nth=0")
    page.click(".version >> nth=1 >> a.version-restore")  # 2
    page.wait_for_selector("input[name=restore]")
    shot(page, "compare-1280")
    page.click("input[name=restore]")  # 3
    page.wait_for_selector(".messagelist")
    assert "Restored title" in page.inner_text(".messagelist")
    assert page.input_value("#id_title") == "Yesterday's careful headline"
    story.refresh_from_db()
    assert story.title == "Yesterday's careful headline" and "title" in story.locked_fields
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{reverse('admin:articles_article_history', args=[story.pk])}")
    shot(page, "history-390")
    assert page_overflow(page) == 0

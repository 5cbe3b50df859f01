"""An editor's morning in a real browser: find a story, fix it, publish it, pin it."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from articles.models import Article, ArticleTopic

from .admin_factories import article, editor, front_matter

ARTIFACTS = settings.BASE_DIR / "test-artifacts"


def _topic_page_exists():
    try:
        reverse("articles:topic-detail", kwargs={"slug": "ai"})
    except NoReverseMatch:
        return False
    return True


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def curate(page, live_server):
    """Log in as an editor, find the draft, retitle it, publish it and pin it to its topic."""
    now = timezone.now()
    draft = article("Lunar rover finds ice", is_published=False, topics=["AI"], images=1,
                    published_at=now - dt.timedelta(days=3))
    for i in range(3):
        article(f"Newer AI story {i}", topics=["AI"], published_at=now - dt.timedelta(hours=i + 1))
    user = editor()
    user.set_password("editor-pass-123")
    user.save()

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "editor-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}{reverse('admin:articles_article_changelist')}")
    shot(page, "changelist")
    page.fill("#searchbar", "lunar rover")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Draft" in rows.first.inner_text()

    page.click("#result_list tbody tr .field-title a")
    page.wait_for_selector("#id_title")
    page.fill("#id_title", "Lunar rover finds water ice")
    shot(page, "change-form")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert "Lunar rover finds water ice" in page.inner_text("#result_list")

    page.check("#result_list tbody tr input.action-select")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "Published: 1 article" in page.inner_text(".messagelist")

    page.check("#result_list tbody tr input.action-select")
    page.select_option("select[name=action]", "pin_topic")
    page.click("button[name=index]")
    page.wait_for_selector("input[name=apply]")
    shot(page, "pin-topic")
    page.check("input[name=topic]")
    page.click("input[name=apply]")
    page.wait_for_selector(".messagelist")
    assert "Pinned 1 article to AI" in page.inner_text(".messagelist")
    assert "📌" in page.inner_text("#result_list")

    page.goto(f"{live_server.url}{reverse('admin:articles_article_changelist')}")
    page.click("text=Import files")
    page.wait_for_selector("input[type=file]")
    shot(page, "import")
    page.set_input_files("input[type=file]", files=[
        {"name": "upload-good.md", "mimeType": "text/markdown",
         "buffer": front_matter(title="Uploaded story", url="https://up.example/1").encode()},
        {"name": "upload-bad.md", "mimeType": "text/markdown", "buffer": b"---\ntitle: [broken\n---\n"},
    ])
    page.click("input[type=submit][value=Import]")
    page.wait_for_selector(".import-summary")
    assert "1 created" in page.inner_text(".import-summary")
    assert "upload-bad.md" in page.inner_text(".import-refused")
    shot(page, "import-result")

    page.goto(f"{live_server.url}{reverse('admin:articles_article_change', args=[draft.pk])}")
    assert "title, published" in page.inner_text(".field-kept_from_editor")
    shot(page, "change-form-kept")
    page.goto(f"{live_server.url}{reverse('admin:articles_topic_changelist')}")
    assert "AI" in page.inner_text("#result_list")
    shot(page, "topics")

    draft.refresh_from_db()
    assert (draft.title, draft.is_published, draft.locked_fields) == (
        "Lunar rover finds water ice", True, ["title", "is_published"],
    )
    assert ArticleTopic.objects.get(content_object=draft).pinned
    return draft


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_curates_an_article_in_the_admin(page, live_server):
    """An editor logs in, searches, retitles, publishes and pins a story through the admin."""
    draft = curate(page, live_server)
    assert Article.objects.published().filter(pk=draft.pk).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _topic_page_exists(), reason="the public topic page comes with the reader branch")
def test_pinned_article_comes_first_on_its_topic_page(page, live_server):
    """After pinning, the story leads its topic's public page, ahead of newer ones."""
    curate(page, live_server)
    page.goto(f"{live_server.url}{reverse('articles:topic-detail', kwargs={'slug': 'ai'})}")
    html = page.content()
    assert "Lunar rover finds water ice" in html
    assert html.index("Lunar rover finds water ice") < html.index("Newer AI story 0")
    shot(page, "topic-page")

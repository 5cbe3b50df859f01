"""Honest previews: staff see an article's real state (Draft / Scheduled for … / Live) and an
Edit link on every article page; readers never see either, even from the page cache."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from .factories import make_article

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def banner(page):
    start = page.index('class="preview-banner')
    return page[start:page.index("</div></div>", start)]


def test_a_draft_says_draft_in_the_banner_and_byline_never_published(admin_client):
    draft = make_article("Draft story", published=False, published_at=timezone.now() - timedelta(days=3))
    page = text(admin_client.get(draft.get_absolute_url()))
    assert "Draft — not published." in banner(page)
    meta = page[page.index('class="story__meta"'):]
    assert "Draft</span>" in meta[:400] and "Published <time" not in page


def test_a_scheduled_article_says_when_it_goes_out(admin_client):
    when = (timezone.now() + timedelta(days=40)).replace(microsecond=0)
    scheduled = make_article("Scheduled story", published_at=when)
    page = text(admin_client.get(scheduled.get_absolute_url()))
    assert "Scheduled for <time datetime=\"" in banner(page)
    assert f"{when.day} {when:%B %Y}" in banner(page)
    assert "Published <time" not in page and "Goes out <time" in page
    assert "Draft" not in banner(page)


def test_a_live_article_says_live_to_staff_and_nothing_to_readers(client, admin_client):
    live = make_article("Live story")
    staff = text(admin_client.get(live.get_absolute_url()))
    assert "<strong>Live</strong>" in banner(staff) and "Published <time" in staff
    reader = text(client.get(live.get_absolute_url()))
    assert "preview-banner" not in reader and "/admin/" not in reader


@pytest.mark.parametrize("state", ["live", "draft", "scheduled"])
def test_staff_get_an_edit_link_on_every_article_page(admin_client, state):
    article = make_article(
        published=state != "draft",
        published_at=timezone.now() + timedelta(days=1) if state == "scheduled" else None,
    )
    page = text(admin_client.get(article.get_absolute_url()))
    assert f'href="{reverse("admin:articles_article_change", args=[article.pk])}"' in page


def test_staff_without_the_change_permission_get_no_edit_link(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    page = text(client.get(make_article().get_absolute_url()))
    assert "<strong>Live</strong>" in page and "/admin/articles/article/" not in page


def test_the_page_cache_never_gives_readers_the_staff_page_nor_staff_the_readers(client, admin_client, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 300
    article = make_article("Cached story")
    url = article.get_absolute_url()
    edit = reverse("admin:articles_article_change", args=[article.pk])
    first = client.get(url)
    assert first["X-Newsroom-Cache"] == "miss" and edit not in text(first)
    staff = admin_client.get(url)
    assert edit in text(staff) and "X-Newsroom-Cache" not in staff
    assert "no-store" in staff["Cache-Control"] and "private" in staff["Cache-Control"]
    again = client.get(url)
    assert again["X-Newsroom-Cache"] == "hit" and edit not in text(again)

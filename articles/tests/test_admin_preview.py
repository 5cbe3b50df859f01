"""'View on site' from the article form: staff see drafts and scheduled articles, readers never do."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from .admin_factories import article, editor

pytestmark = pytest.mark.django_db


def view_on_site(client, story):
    form = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', form).group(1)
    return link


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_view_on_site_previews_unpublished_articles_to_staff_only(client, state):
    fields = ({"is_published": False} if state == "draft"
              else {"published_at": timezone.now() + dt.timedelta(days=1)})
    story = article(f"A {state} story", **fields)
    client.force_login(editor())
    link = view_on_site(client, story)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"A {state} story" in html
    # The readers' site's state banner: "Draft — not published." or "Scheduled for <time> — not published yet."
    banner = re.search(r'<div class="preview-banner[ "].*?</div></div>', html, re.S).group(0)
    assert ("Scheduled for" in banner) == (state == "scheduled")
    assert ("Draft — not published." in banner) == (state == "draft")
    client.logout()
    assert client.get(story.get_absolute_url()).status_code == 404

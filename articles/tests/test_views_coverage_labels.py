"""Coverage labels right: a card never names its own outlet as "also covered by"; a slideshow
shows every image; a video says "Watch at …"."""

import re

import pytest
from django.urls import reverse

from articles.models import Article, Story

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_a_card_never_says_also_covered_by_its_own_outlet(client):
    """A story two Pulse articles and one Other Desk article cover: one card, "2 outlets", and only
    the other outlet under "also covered by" (the card's own outlet never, however many articles it has)."""
    pulse, other = make_provider("Pulse Health Weekly", "pulse.example"), make_provider("Other Desk", "other.example")
    first = make_article("Pulse: the story", topics=["Health"], provider=pulse)
    same_outlet = make_article("Pulse: the same story, updated", topics=["Health"], provider=pulse,
                               web_url="https://pulse.example/2")
    other_outlet = make_article("Other: the same story", topics=["Health"], provider=other,
                                web_url="https://other.example/1")
    story = Story.objects.create()
    Article.objects.filter(pk__in=[first.pk, same_outlet.pk, other_outlet.pk]).update(story=story)
    for url in (reverse("articles:topic-detail", kwargs={"slug": "health"}), reverse("articles:home"),
                reverse("articles:provider-detail", kwargs={"domain": "pulse.example"})):
        page = text(client.get(url))
        also = re.findall(r'<p class="card__also">(.*?)</p>', page, re.S)
        assert len(also) == 1, f"{url}: the story's card names the other outlet"
        assert "Other Desk" in also[0] and "2 outlets" in also[0]
        assert "Pulse Health Weekly" not in also[0]
        assert "Pulse: the same story, updated" not in page  # folded into the story's card


def test_a_slideshow_shows_all_its_images(client):
    images = [(f"https://img.example/slide-{i}.jpg", 1200, 800) for i in range(6)]
    show = make_article("Six pictures", item_type="slideshow", images=images)
    page = text(client.get(show.get_absolute_url()))
    for i in range(6):
        assert f'src="https://img.example/slide-{i}.jpg"' in page
    assert 'aria-label="Slideshow: 6 images"' in page and "6 / 6" in page
    assert page.count("<script") == 1  # the JSON-LD only: the gallery needs no script

    article = make_article("One picture shown", images=images[:3])
    page = text(client.get(article.get_absolute_url()))
    assert 'src="https://img.example/slide-0.jpg"' in page and 'src="https://img.example/slide-1.jpg"' not in page


def test_a_video_says_watch_at_and_an_article_read_at(client):
    outlet = make_provider("Clip Channel", "clips.example")
    video = make_article("A clip", item_type="video", provider=outlet, web_url="https://clips.example/v/1")
    page = text(client.get(video.get_absolute_url()))
    assert "Watch at <bdi>Clip Channel</bdi>" in page and "Read at" not in page
    article = make_article("A text", provider=outlet, web_url="https://clips.example/a/1")
    assert "Read at <bdi>Clip Channel</bdi>" in text(client.get(article.get_absolute_url()))

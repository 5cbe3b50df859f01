"""Uploaded images reach readers: /media/ answers under `make run` (debug), and cards offer the
320 px thumbnail to small boxes through srcset, the original to large ones."""

import importlib

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from articles.cards import cards
from articles.models import Article

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article("With an upload", images=[("https://img.example/remote.jpg", 1600, 900)])
    image = article.images.get()
    image.file.save("lead.png", ContentFile(b"png bytes"), save=False)
    image.thumbnail.save("lead.webp", ContentFile(b"webp bytes"), save=False)
    image.save()
    return article, image


def test_cards_offer_the_thumbnail_to_small_boxes(uploaded):
    article, image = uploaded
    (card,) = cards(Article.objects.with_cards().filter(pk=article.pk))
    assert card["image_src"] == image.file.url
    assert card["image_srcset"] == f"{image.thumbnail.url} 320w, {image.file.url} 1600w"


def test_a_feed_image_or_a_small_upload_has_no_srcset():
    article = make_article(images=[("https://img.example/remote.jpg", 1600, 900)])
    (card,) = cards(Article.objects.with_cards().filter(pk=article.pk))
    assert card["image_srcset"] == ""


def test_the_card_markup_carries_srcset_and_sizes(client, uploaded):
    article, image = uploaded
    page = client.get(reverse("articles:home")).content.decode()
    assert f'srcset="{image.thumbnail.url} 320w, {image.file.url} 1600w" sizes="(min-width: 900px) 620px, 100vw"' in page


def test_media_is_served_in_debug_only(client, uploaded):
    import newsroom.urls

    article, image = uploaded
    try:
        with override_settings(DEBUG=True):
            clear_url_caches()
            importlib.reload(newsroom.urls)
            response = client.get(image.file.url)
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == b"png bytes"
        clear_url_caches()
        importlib.reload(newsroom.urls)
        assert client.get(image.file.url).status_code == 404
    finally:
        clear_url_caches()
        importlib.reload(newsroom.urls)

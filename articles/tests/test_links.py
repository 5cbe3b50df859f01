from types import SimpleNamespace

import pytest

from articles.links import http_url, image_src, is_http_url


@pytest.mark.parametrize("value", [
    "http://example.com", "https://example.com/a?b#c", "HTTPS://Example.com:8080/", " https://example.com ",
    "http://user@example.com/", "http://[::1]/", "https://bücher.example/",
])
def test_web_addresses_are_http_urls(value):
    assert is_http_url(value)
    assert http_url(value) == value.strip()


@pytest.mark.parametrize("value", [
    None, "", "javascript:alert(1)", "data:text/html,x", "ftp://example.com/", "//example.com/x",
    "/media/a.jpg", "http://", "https:///path", "http://[::1", "mailto:a@example.com",
])
def test_anything_else_is_not(value):
    assert not is_http_url(value)
    assert http_url(value) == ""


def _image(url=None, file_url=None, thumb_url=None):
    return SimpleNamespace(
        src=file_url or url,
        thumbnail=SimpleNamespace(url=thumb_url) if thumb_url else None,
    )


def test_image_src_prefers_the_upload_and_refuses_other_schemes():
    assert image_src(_image(url="https://cdn.example/a.jpg")) == "https://cdn.example/a.jpg"
    assert image_src(_image(url="https://cdn.example/a.jpg", file_url="/media/a.jpg")) == "/media/a.jpg"
    assert image_src(_image(url="javascript:alert(1)")) == ""
    assert image_src(_image(url="//evil.example/a.jpg")) == ""
    assert image_src(None) == ""


def test_image_src_gives_the_thumbnail_only_when_asked():
    image = _image(file_url="/media/a.jpg", thumb_url="/media/thumbnails/a.jpg")
    assert image_src(image) == "/media/a.jpg"
    assert image_src(image, thumbnail=True) == "/media/thumbnails/a.jpg"
    assert image_src(_image(url="https://cdn.example/a.jpg"), thumbnail=True) == "https://cdn.example/a.jpg"

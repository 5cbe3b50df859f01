"""Image uploads in the article form: real images get sizes and a thumbnail; others are refused."""

import io
import shutil
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from articles.importer import import_paths
from articles.models import Article

from .admin_client import change_form_data
from .admin_factories import write_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def imported(tmp_path):
    path = write_file(tmp_path, "story.md", title="With picture")
    import_paths([path], workers=1)
    return Article.objects.get(), path


def png(width=1000, height=500, color=(200, 30, 30)):
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def upload_image(client, article, upload):
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = change_form_data(client.get(url))
    data["images-TOTAL_FORMS"] = str(int(data["images-TOTAL_FORMS"]) + 1)
    index = int(data["images-TOTAL_FORMS"]) - 1
    data[f"images-{index}-article"] = str(article.pk)
    data[f"images-{index}-title"] = "Uploaded"
    data[f"images-{index}-file"] = upload
    return client.post(url, data)


def image_errors(response):
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "images")
    return [str(e) for form in formset.forms for e in form.errors.get("file", [])]


def test_real_png_gets_size_thumbnail_and_locks_images(admin_client, imported):
    """A real PNG is stored with its size and a 320 px thumbnail, and survives re-import."""
    obj, path = imported
    response = upload_image(admin_client, obj, SimpleUploadedFile("photo.png", png(), content_type="image/png"))
    assert response.status_code == 302
    image = obj.images.get(title="Uploaded")
    assert (image.width, image.height, image.position) == (1000, 500, 1)
    with PILImage.open(image.thumbnail.path) as thumb:
        assert thumb.size == (320, 160)
        assert thumb.format == "WEBP"
    obj.refresh_from_db()
    assert obj.locked_fields == ["images"]
    write_file(path.parent, path.name, title="With picture", heat=3)
    import_paths([path], workers=1)
    assert obj.images.filter(title="Uploaded").exists()

    # The list shows the first image; the form previews the uploaded one.
    page = admin_client.get(reverse("admin:articles_article_change", args=[obj.pk])).content.decode()
    assert image.thumbnail.url in page


def test_text_file_renamed_png_is_refused(admin_client, imported):
    """A text file named .png gets a clear error and nothing is stored."""
    obj, _ = imported
    fake = SimpleUploadedFile("fake.png", b"just some text", content_type="image/png")
    response = upload_image(admin_client, obj, fake)
    assert response.status_code == 200
    assert any("not an image" in e or "valid image" in e for e in image_errors(response))
    assert not obj.images.filter(title="Uploaded").exists()
    assert Article.objects.get(pk=obj.pk).locked_fields == []


def test_decompression_bomb_is_refused(admin_client, imported, monkeypatch):
    """An image with more pixels than Pillow's safety limit is refused with a clear message."""
    monkeypatch.setattr("articles.images.MAX_PIXELS", 100 * 100)
    obj, _ = imported
    response = upload_image(admin_client, obj, SimpleUploadedFile("bomb.png", png(200, 200), content_type="image/png"))
    assert response.status_code == 200
    assert any("too large to open safely" in e for e in image_errors(response))
    assert not obj.images.filter(title="Uploaded").exists()


def test_real_bomb_header_is_refused(admin_client, imported):
    """A small PNG declaring a gigantic canvas trips Pillow's bomb guard, not memory."""
    obj, _ = imported
    # 1 x 1 PNG, then its IHDR patched to claim 100,000 x 100,000 pixels (10 gigapixels).
    data = bytearray(png(1, 1))
    ihdr = data[12:29]
    ihdr[4:12] = struct.pack(">II", 100_000, 100_000)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    response = upload_image(admin_client, obj, SimpleUploadedFile("huge.png", bytes(data), content_type="image/png"))
    assert response.status_code == 200
    assert any("too large to open safely" in e for e in image_errors(response))

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


def test_decompression_bomb_is_refused(admin_client, imported, settings):
    """An image with more pixels than the budget is refused with a clear message."""
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 100 * 100
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


def jpeg(width, height, *, orientation=None, quality=85):
    """A JPEG whose left half is red and right half blue (so a turn shows), with an EXIF orientation."""
    img = PILImage.new("RGB", (width, height), (220, 20, 20))
    img.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = PILImage.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def test_truncated_jpeg_is_a_form_error_not_a_500(admin_client, imported):
    obj, _ = imported
    whole = jpeg(1200, 800)
    cut = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    response = upload_image(admin_client, obj, cut)
    assert response.status_code == 200
    assert any("incomplete" in e for e in image_errors(response))
    assert not obj.images.filter(title="Uploaded").exists()


def test_thumbnail_is_turned_upright_by_exif_orientation(admin_client, imported):
    """Orientation 6: the camera stored the picture lying on its side; readers see it standing."""
    obj, _ = imported
    response = upload_image(admin_client, obj, SimpleUploadedFile("side.jpg", jpeg(800, 400, orientation=6)))
    assert response.status_code == 302
    image = obj.images.get(title="Uploaded")
    assert (image.width, image.height) == (400, 800), "the displayed size"
    with PILImage.open(image.thumbnail.path) as thumb:
        assert thumb.size == (320, 640)
        top, bottom = thumb.convert("RGB").getpixel((160, 20)), thumb.convert("RGB").getpixel((160, 620))
    # Turned 90° clockwise: the stored left half (red) is now on top, the right half (blue) below.
    assert top[0] > 150 and top[2] < 100 and bottom[2] > 150 and bottom[0] < 100


def test_an_89_megapixel_image_is_refused_from_its_header(admin_client, imported):
    """Pillow's own limit (89 MP) would let it decode to ~1 GB; the budget refuses it unread."""
    obj, _ = imported
    data = bytearray(png(1, 1))
    ihdr = data[12:29]
    ihdr[4:12] = struct.pack(">II", 10_000, 8_948)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    response = upload_image(admin_client, obj, SimpleUploadedFile("big.png", bytes(data), content_type="image/png"))
    assert response.status_code == 200
    assert any("too large to open safely (over 40,000,000 pixels)" in e for e in image_errors(response))


MEASURE = """
import resource, sys
from PIL import Image
from articles.images import thumbnail_of
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as f:
    width, height, data = thumbnail_of(f)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(width, height, (after - before) // 1024)
"""


def test_a_large_jpeg_is_thumbnailed_within_a_small_memory_budget(tmp_path):
    """A 36-megapixel photo decodes whole to ~108 MB; at thumbnail scale it costs a few MB."""
    import subprocess
    import sys

    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg(7200, 5000, quality=60))
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True,
        cwd=settings.BASE_DIR, env={"DJANGO_SETTINGS_MODULE": "newsroom.settings_test", "PATH": "/usr/bin:/bin"},
    )
    width, height, grown_mb = map(int, result.stdout.split())
    assert (width, height) == (7200, 5000)
    assert grown_mb < 25, f"thumbnailing took {grown_mb} MB more"


def test_an_upload_gets_webp_renditions_that_cards_offer(admin_client, imported):
    """An uploaded 1000 px image gets 320 and 640 px renditions and its own width (never upscaled);
    cards list them in srcset. The upload must be the lead to be on the card: the feed's goes."""
    obj, _ = imported
    obj.images.all().delete()
    response = upload_image(admin_client, obj, SimpleUploadedFile("wide.png", png(1000, 500), content_type="image/png"))
    assert response.status_code == 302
    image = obj.images.get(title="Uploaded")
    assert [width for width, _ in image.renditions] == [320, 640, 1000]
    for width, name in image.renditions:
        with PILImage.open(settings.MEDIA_ROOT / name) as made:
            assert (made.format, made.size) == ("WEBP", (width, width // 2))
    srcset = ", ".join(f"/media/{name} {width}w" for width, name in image.renditions)
    home = admin_client.get(reverse("articles:home")).content.decode()
    assert f'src="{image.file.url}" srcset="{srcset}"' in home

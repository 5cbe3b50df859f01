"""Images made here: check they are real, whole pictures within a memory budget (uploads, and feed
images the fetcher brought in: articles/image_jobs.py), and make their thumbnails and WebP renditions.

Memory: a decoded image takes 3–4 bytes per pixel, so a picture is refused above
NEWSROOM_IMAGE_MAX_PIXELS (read from its header, before anything is decoded), and a JPEG is
decoded at the smallest scale the thumbnail allows (`Image.draft`, up to 1/8 per side): a
40-megapixel photo then costs a megapixel's worth of memory, not 120 MB.
"""

import hashlib
import io
import math
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

THUMBNAIL_WIDTH = 320
THUMBNAIL_BOX = (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4)
# Pages offer these widths through srcset (a phone's card, a desktop card, the article page).
RENDITION_WIDTHS = (320, 640, 1280)
RENDITION_BOX = (RENDITION_WIDTHS[-1], RENDITION_WIDTHS[-1] * 4)
# What Pillow may open: the formats browsers show. Other decoders (EPS, PSD, ...) are never reached.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# EXIF orientations that turn the picture a quarter: its displayed width is the stored height.
QUARTER_TURNS = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112


def max_pixels():
    """The pixel budget: the setting, never above Pillow's own decompression-bomb limit."""
    return min(settings.NEWSROOM_IMAGE_MAX_PIXELS, PILImage.MAX_IMAGE_PIXELS or settings.NEWSROOM_IMAGE_MAX_PIXELS)


def _too_large():
    return ValidationError(
        "This image is too large to open safely (over %(max)s pixels).",
        code="image_bomb",
        params={"max": f"{max_pixels():,}"},
    )


def _open_small(source, box=THUMBNAIL_BOX):
    """(image, its size as displayed): the image set to decode no larger than `box` needs
    (JPEG; other formats decode whole)."""
    img = PILImage.open(source, formats=FORMATS)
    width, height = img.size
    if width * height > max_pixels():
        img.close()
        raise _too_large()
    turned = img.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS
    shown = (height, width) if turned else (width, height)
    scale = min(box[0] / shown[0], box[1] / shown[1], 1)
    img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))  # draft keeps at least this
    return img, shown


def inspect_upload(upload):
    """Return (width, height) of an uploaded image file, or raise ValidationError saying why not.

    The image is decoded (at thumbnail scale where the format allows): a truncated or damaged
    file is refused here, with a message, rather than failing when its thumbnail is made.
    """
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(upload, formats=FORMATS) as img:
                width, height = img.size
                if width * height > max_pixels():
                    raise _too_large()
                img.verify()
            upload.seek(0)
            img, _ = _open_small(upload)
            with img:
                img.load()
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise _too_large() from None
    except (OSError, SyntaxError) as exc:
        if "truncated" in str(exc) or isinstance(exc, SyntaxError) and "broken" in str(exc):
            raise ValidationError(
                "This image file is incomplete (truncated or damaged); upload it again.", code="truncated_image"
            ) from None
        raise _not_an_image() from None
    except Exception:  # Pillow raises many kinds for broken or non-image data
        raise _not_an_image() from None
    finally:
        upload.seek(0)
    return width, height


def _not_an_image():
    return ValidationError(
        "This file is not an image Newsroom can read (PNG, JPEG, GIF or WebP).", code="invalid_image"
    )


def _upright(source, box):
    """(width, height as displayed, the picture decoded no larger than `box` needs, turned upright by
    its EXIF orientation, in a mode WebP takes)."""
    img, (width, height) = _open_small(source, box)
    with img:
        img.load()
        upright = ImageOps.exif_transpose(img)
        return width, height, upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")


def thumbnail_of(source):
    """(width, height as displayed, WebP thumbnail bytes) of an image file, turned upright by its EXIF
    orientation and decoded no larger than needed."""
    width, height, thumb = _upright(source, THUMBNAIL_BOX)
    thumb.thumbnail(THUMBNAIL_BOX)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82)
    return width, height, out.getvalue()


def make_thumbnail(image):
    """Fill width/height from `image.file`, store a THUMBNAIL_WIDTH-px-wide WebP in `image.thumbnail`
    (the admin's) and the upload's renditions (the pages')."""
    image.file.open("rb")
    image.file.seek(0)
    image.width, image.height, data = thumbnail_of(image.file)
    name = os.path.splitext(os.path.basename(image.file.name))[0] + ".webp"
    image.thumbnail.save(name, ContentFile(data), save=False)
    image.file.seek(0)
    # Named by content: two uploads called photo.jpg never share (or overwrite) renditions.
    key = "upload:" + hashlib.file_digest(image.file, "sha256").hexdigest()
    image.file.seek(0)
    image.renditions = store_renditions(key, renditions_of(image.file)[2])


def rendition_widths(width):
    """The RENDITION_WIDTHS an image `width` px wide gets: never wider than itself (a narrower image
    gets one rendition at its own width)."""
    widths = [w for w in RENDITION_WIDTHS if w < width]
    widest = min(width, RENDITION_WIDTHS[-1])
    return widths if widest in widths else widths + [widest]


def renditions_of(source):
    """(width, height as displayed, [(rendition width, WebP bytes)], narrowest first) of an image file:
    upright, aspect kept, never upscaled, decoded once at the size the widest needs."""
    width, height, upright = _upright(source, RENDITION_BOX)
    out = []
    for w in rendition_widths(upright.width):
        h = max(1, round(upright.height * w / upright.width))
        picture = upright if (w, h) == upright.size else upright.resize((w, h), PILImage.LANCZOS)
        buffer = io.BytesIO()
        picture.save(buffer, format="WEBP", quality=80)
        out.append((w, buffer.getvalue()))
    return width, height, out


def store_renditions(key, renditions):
    """Save renditions under MEDIA_ROOT (the default storage) as renditions/<hash of key>-<width>.webp;
    returns [[width, storage name]] for `Image.renditions`. Saving again replaces the files."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    stored = []
    for width, data in renditions:
        name = f"renditions/{digest[:2]}/{digest[2:26]}-{width}.webp"
        if default_storage.exists(name):
            default_storage.delete(name)
        stored.append([width, default_storage.save(name, ContentFile(data))])
    return stored

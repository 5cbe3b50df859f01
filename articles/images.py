"""Uploaded images: check they are real, whole pictures within a memory budget, and make their thumbnails.

Memory: a decoded image takes 3–4 bytes per pixel, so a picture is refused above
NEWSROOM_IMAGE_MAX_PIXELS (read from its header, before anything is decoded), and a JPEG is
decoded at the smallest scale the thumbnail allows (`Image.draft`, up to 1/8 per side): a
40-megapixel photo then costs a megapixel's worth of memory, not 120 MB.
"""

import io
import math
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageOps

THUMBNAIL_WIDTH = 320
THUMBNAIL_BOX = (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4)
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


def _open_small(source):
    """(image, its size as displayed): the image set to decode no larger than its thumbnail needs
    (JPEG; other formats decode whole)."""
    img = PILImage.open(source)
    width, height = img.size
    if width * height > max_pixels():
        img.close()
        raise _too_large()
    turned = img.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS
    shown = (height, width) if turned else (width, height)
    scale = min(THUMBNAIL_BOX[0] / shown[0], THUMBNAIL_BOX[1] / shown[1], 1)
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
            with PILImage.open(upload) as img:
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


def thumbnail_of(source):
    """(width, height as displayed, WebP thumbnail bytes) of an image file, turned upright by its EXIF
    orientation and decoded no larger than needed."""
    img, (width, height) = _open_small(source)
    with img:
        img.load()
        upright = ImageOps.exif_transpose(img)
        thumb = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
    thumb.thumbnail(THUMBNAIL_BOX)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82)
    return width, height, out.getvalue()


def make_thumbnail(image):
    """Fill width/height from `image.file` and store a THUMBNAIL_WIDTH-px-wide WebP in `image.thumbnail`."""
    image.file.open("rb")
    image.file.seek(0)
    image.width, image.height, data = thumbnail_of(image.file)
    name = os.path.splitext(os.path.basename(image.file.name))[0] + ".webp"
    image.thumbnail.save(name, ContentFile(data), save=False)

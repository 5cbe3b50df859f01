"""Uploaded images: check they are real pictures of a sane size, and make their thumbnails."""

import io
import os
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image as PILImage

THUMBNAIL_WIDTH = 320
# Pillow's own guard (MAX_IMAGE_PIXELS) warns above it and refuses at twice it; we refuse at it.
MAX_PIXELS = PILImage.MAX_IMAGE_PIXELS or 89_478_485


def inspect_upload(upload):
    """Return (width, height) of an uploaded image file, or raise ValidationError saying why not."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(upload) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise PILImage.DecompressionBombError("too many pixels")
                img.verify()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(
            "This image is too large to open safely (over %(max)s pixels).",
            code="image_bomb",
            params={"max": f"{MAX_PIXELS:,}"},
        ) from None
    except Exception:  # Pillow raises many kinds for broken or non-image data
        raise ValidationError(
            "This file is not an image Newsroom can read (PNG, JPEG, GIF or WebP).", code="invalid_image"
        ) from None
    finally:
        upload.seek(0)
    return width, height


def make_thumbnail(image):
    """Fill width/height from `image.file` and store a THUMBNAIL_WIDTH-px-wide WebP in `image.thumbnail`."""
    image.file.open("rb")
    image.file.seek(0)
    with PILImage.open(image.file) as img:
        img.load()
        image.width, image.height = img.size
        thumb = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB")
    thumb.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4))
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82)
    name = os.path.splitext(os.path.basename(image.file.name))[0] + ".webp"
    image.thumbnail.save(name, ContentFile(out.getvalue()), save=False)

"""What may become a link or an image source on a page: http(s) URLs, and this site's own paths
for uploaded images. Every check of "is this a web address" and "where does this image load
from" is one of these functions, so `javascript:` and friends never become links anywhere.

Pure: no database and no Django, so the parse workers can import it.
"""

import re
from urllib.parse import urlsplit

HTTP_SCHEMES = frozenset({"http", "https"})

# Most URLs: scheme, a plain ASCII host and port, then a path, query or fragment or nothing;
# such a URL is answered without urlsplit, which would agree. Anything else (user info, IPv6,
# non-ASCII hosts, odd schemes) goes through urlsplit.
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#]|\Z)", re.IGNORECASE)


def is_http_url(value):
    """True for an http(s) URL with a host name (surrounding spaces ignored)."""
    text = str(value or "").strip()
    if _PLAIN_HTTP_URL.match(text):
        return True
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1"
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)


def http_url(value):
    """The URL when it is http(s), else ""."""
    return str(value).strip() if is_http_url(value) else ""


def is_site_path(value):
    """A path on this site ("/media/…"), not a scheme-relative address ("//elsewhere")."""
    return isinstance(value, str) and value.startswith("/") and not value.startswith("//")


def image_src(image, *, thumbnail=False):
    """Where a page loads `image` from: its uploaded file (or that file's thumbnail, when asked
    and made), else the feed's URL; "" unless that is a path on this site or an http(s) URL."""
    if image is None:
        return ""
    src = image.thumbnail.url if thumbnail and image.thumbnail else image.src
    src = str(src or "")
    return src if is_site_path(src) else http_url(src)

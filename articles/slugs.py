"""The slugs in readers' URLs, made the same way by the importer, the admin and the models:
every article, topic and provider gets a slug that a URL can carry.

One rule for topic slugs, whoever creates the topic (the importer, the admin's topic or article
form, taggit's own add()): `topic_slug`, installed as taggit's `Tag.slugify` (apps.py).
Unicode names keep readable Unicode slugs ("機械学習"); names with nothing a slug can keep
("🤖", "!!!") get a fallback made from a hash of the name, the same every time.
"""

import hashlib
import unicodedata

from django.utils.text import slugify

# Room for taggit's "_2" suffix within the 100-character slug column.
MAX_TOPIC_SLUG = 90
MAX_PROVIDER_SLUG = 240


def is_invisible(char):
    """Format characters (bidi embeddings, overrides and isolates, zero-width spaces and joiners,
    the BOM, soft hyphens) and control characters: they change how text displays, not what it says."""
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and not char.isspace())


def invisible_characters(text):
    """The invisible characters in `text`, as "U+202E" codes, in order of appearance, once each."""
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in text if is_invisible(c)))


def strip_invisible(text):
    return "".join(c for c in text if not is_invisible(c))


def fallback_slug(kind, name):
    """`kind-` and 8 hex digits of the name's hash: stable across runs and databases."""
    key = unicodedata.normalize("NFKC", strip_invisible(name)).strip().casefold()
    return f"{kind}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def topic_slug(name, i=None):
    """A topic's slug: the name slugified (Unicode kept), else the fallback; taggit's `_i`
    suffix when another topic has it already."""
    slug = slugify(strip_invisible(name or ""), allow_unicode=True)[:MAX_TOPIC_SLUG].strip("-_")
    slug = slug or fallback_slug("topic", name or "")
    return slug if i is None else f"{slug}_{i}"


def article_slug(title):
    """An article's URL slug: its title, shortened; the URL also carries the id, so it need not be unique."""
    return slugify(title or "", allow_unicode=True)[:80].strip("-") or "article"


def provider_slug(domain):
    """A provider's slug (ASCII, from its domain), else the fallback."""
    slug = slugify(strip_invisible(domain or ""))[:MAX_PROVIDER_SLUG].strip("-_")
    return slug or fallback_slug("provider", domain or "")


def tag_slugify(tag, name, i=None):
    """taggit's `TagBase.slugify(self, tag, i=None)`, with our rule."""
    return topic_slug(name, i)

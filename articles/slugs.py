"""The slugs in readers' URLs, made the same way by the importer, the admin and the models."""

from django.utils.text import slugify


def article_slug(title):
    """An article's URL slug: its title, shortened; the URL also carries the id, so it need not be unique."""
    return slugify(title or "", allow_unicode=True)[:80].strip("-") or "article"


def provider_slug(domain):
    """A provider's slug: its domain."""
    return slugify(domain)[:253] or "provider"

"""Database rows -> front-matter files: the importer's mirror.

For an imported article the exported mapping holds everything its source held: the same
keys in the same order, equal values (timestamps in the zone the source gave), nulls kept,
unknown keys and the body included. Editor changes show up as the new values.
"""

import datetime as dt
import os
from pathlib import Path

import yaml
from django.db.models import Prefetch

from .domains import normalize_domain
from .format import ARTICLE_KEYS, IMAGE_KEYS, RELATED_KEYS, from_jsonable, key_name
from .models import Article, ArticleTopic, Image, RelatedLink


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass


def _represent_datetime(dumper, value):
    text = value.isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)


_Dumper.add_representer(dt.datetime, _represent_datetime)


def _local(moment, offset_minutes):
    if moment is None:
        return None
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes or 0))
    return moment.astimezone(zone)


def _ordered(values, source_keys, known_order):
    """Emit the source's keys in its order; add keys an editor filled in since."""
    keys = list(source_keys) if source_keys else [k for k in known_order if values.get(k) is not None]
    keys += [k for k in known_order if k not in keys and values.get(k) not in (None, [], {})]
    return {key: values.get(key) for key in keys if key in values}


def _provider_mapping(provider, source, present, locked=False):
    if source is not None and not locked:
        domain = source.get("domain")
        # The file's own provider, also when it names a domain merged into this one (an alias).
        if domain is None or normalize_domain(domain) in _domains(provider):
            return from_jsonable(source)
    if present and source is None and not locked:
        return None
    mapping = {"name": provider.name, "domain": provider.domain}
    if provider.logos:
        mapping["images"] = from_jsonable(provider.logos)
    return mapping


def _domains(provider):
    """The provider's domain and its aliases' (prefetched by export_queryset)."""
    return {provider.domain, *(alias.domain for alias in provider.aliases.all())}


def _image_mapping(image):
    values = {
        "url": image.url, "width": image.width, "height": image.height,
        "isCached": image.is_cached, "title": image.title,
        **from_jsonable(image.extra or {}),
    }
    if image.file and not image.url:
        values["url"] = None
    return _ordered(values, image.source_keys, IMAGE_KEYS + tuple(image.extra or ()))


def _related_mapping(link):
    present = "provider" in (link.source_keys or ())
    provider = None
    if link.provider is not None:
        provider = _provider_mapping(link.provider, link.provider_source, present)
    elif present:
        provider = from_jsonable(link.provider_source)
    values = {
        "title": link.title, "excerpt": link.excerpt,
        "publishedDateTime": _local(link.published_at, link.published_at_offset),
        "webUrl": link.web_url, "ampWebUrl": link.amp_url, "cdnAmpWebUrl": link.cdn_amp_url,
        "type": link.item_type, "provider": provider, "quality": link.quality,
        "images": from_jsonable(link.images),
        **from_jsonable(link.extra or {}),
    }
    return _ordered(values, link.source_keys, RELATED_KEYS + tuple(link.extra or ()))


def _topic_label(link):
    # The file's own spelling, unless an editor renamed or merged the topic since.
    if link.label and link.label.strip().casefold() == link.tag.name.casefold():
        return link.label
    return link.tag.name


def article_mapping(article):
    """The front-matter mapping of one article (use `export_queryset` to fetch related rows)."""
    locked = set(article.locked_fields or ())
    keys = [key_name(entry) for entry in article.source_keys or ()]
    present = {key for key, _ in keys}
    given_null = {key for key, null in keys if null}
    values = {
        "title": article.title,
        "excerpt": article.excerpt,
        "category": article.category,
        "publishedDateTime": _local(article.published_at, article.published_at_offset),
        "webUrl": article.web_url,
        "originalUrl": article.original_url,
        "ampWebUrl": article.amp_url,
        "cdnAmpWebUrl": article.cdn_amp_url,
        "type": article.item_type,
        "quality": article.quality,
        "heat": article.heat,
        "published": article.is_published,
        "provider": _provider_mapping(
            article.provider, article.provider_source, "provider" in present, "provider" in locked
        ),
        "topics": [_topic_label(link) for link in article.topic_links.all()],
        "images": [_image_mapping(image) for image in article.images.all()],
        "related": [_related_mapping(link) for link in article.related_links.all()],
        "featuredContent": article.featured_content,
        "secured": article.secured,
        **from_jsonable(article.extra or {}),
    }
    # An empty list the source never had stays absent; one it had stays as it was: [] or null.
    for key in ("topics", "images", "related"):
        if not values[key] and (key not in present or key in given_null):
            values[key] = None
    return _ordered(values, [key for key, _ in keys], ARTICLE_KEYS + tuple(article.extra or ()))


def export_article(article):
    """One article as front-matter text."""
    front = yaml.dump(
        article_mapping(article), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
        default_flow_style=False, width=100_000,
    )
    return f"---\n{front}---\n{article.body or ''}"


def export_queryset(queryset=None):
    """Articles with everything an export needs, fetched up front."""
    queryset = Article.objects.all() if queryset is None else queryset
    # Drop the caller's prefetches (e.g. the admin's): ours fetch the same rows in export order.
    return queryset.select_related("provider").prefetch_related(None).prefetch_related(
        "provider__aliases",
        Prefetch("images", queryset=Image.objects.order_by("position")),
        Prefetch("related_links", queryset=RelatedLink.objects.select_related("provider").order_by("position")),
        "related_links__provider__aliases",
        Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("tag").order_by("position", "id")),
    ).order_by("pk")


def export_filename(article):
    return f"{article.pk:07d}_{article.slug or 'article'}"[:120] + ".md"


def export_articles(queryset, outdir, *, on_file=None):
    """Write one file per article into `outdir`; return the paths written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for article in export_queryset(queryset).iterator(chunk_size=500):
        path = outdir / export_filename(article)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(export_article(article), encoding="utf-8")
        os.replace(tmp, path)  # never leave a half-written file under the real name
        written.append(path)
        if on_file:
            on_file(path)
    return written

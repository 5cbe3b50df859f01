"""Editors' curation: the few operations the admin's actions and the tests call.

Each function is atomic and works on querysets, so an action over a thousand
articles costs a handful of queries, not a thousand.
"""

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from taggit.models import Tag

from .locks import lock_fields
from .models import Article, ArticleTopic, Provider, RelatedLink, TopicRedirect


def set_flag(articles, field, value, *, lock=False):
    """Set a boolean column (is_published, is_featured, pinned_home) on many articles at once."""
    with transaction.atomic():
        ids = _ids(articles)
        count = Article.objects.filter(pk__in=ids).update(**{field: value})
        if lock:
            lock_fields(ids, [field])
    return count


@transaction.atomic
def add_topic(articles, tag):
    """Tag the articles with `tag` (after their existing topics); returns how many gained it."""
    ids = set(_ids(articles))
    have = set(
        ArticleTopic.objects.filter(tag=tag, content_object_id__in=ids).values_list("content_object_id", flat=True)
    )
    last = dict(
        ArticleTopic.objects.filter(content_object_id__in=ids)
        .values_list("content_object_id")
        .annotate(m=Max("position"))
    )
    rows = [
        ArticleTopic(content_object_id=pk, tag=tag, label=tag.name, position=last.get(pk, -1) + 1)
        for pk in sorted(ids - have)
    ]
    ArticleTopic.objects.bulk_create(rows)
    lock_fields(ids, ["topics"])
    return len(rows)


@transaction.atomic
def remove_topic(articles, tag):
    """Untag the articles; returns how many lost the topic."""
    ids = _ids(articles)
    deleted, _ = ArticleTopic.objects.filter(tag=tag, content_object_id__in=ids).delete()
    lock_fields(ids, ["topics"])
    return deleted


def pin_to_topic(articles, tag):
    """Pin the articles on `tag`'s page (only those that have the topic); returns how many."""
    return ArticleTopic.objects.filter(tag=tag, content_object_id__in=_ids(articles)).update(pinned=True)


def unpin_from_topics(articles):
    return ArticleTopic.objects.filter(content_object_id__in=_ids(articles), pinned=True).update(pinned=False)


@transaction.atomic
def rename_topic(tag, old_slug):
    """Record that `old_slug` now leads to `tag` (after a rename changed its slug)."""
    if old_slug and old_slug != tag.slug:
        TopicRedirect.objects.update_or_create(old_slug=old_slug, defaults={"topic": tag})
    # The new slug is a live page again: a redirect from it would shadow the topic.
    TopicRedirect.objects.filter(old_slug=tag.slug).delete()


@transaction.atomic
def merge_topics(target, sources):
    """Fold `sources` into `target`: articles re-tagged (no duplicates), old slugs redirected, sources deleted.

    An article that had both keeps one link, with the earlier position, the target's label and
    the pin if either was pinned.
    """
    sources = [t for t in sources if t.pk != target.pk]
    source_ids = [t.pk for t in sources]
    if not sources:
        return 0
    links = ArticleTopic.objects.filter(tag_id__in=[target.pk, *source_ids])
    merged = {}
    pins = Count("id", filter=Q(pinned=True))
    for row in links.values("content_object_id").annotate(position=Min("position"), pins=pins):
        merged[row["content_object_id"]] = row
    existing = dict(ArticleTopic.objects.filter(tag=target).values_list("content_object_id", "label"))
    labels = dict(
        links.filter(tag_id__in=source_ids).order_by("position", "id").values_list("content_object_id", "label")
    )
    links.delete()
    ArticleTopic.objects.bulk_create(
        [
            ArticleTopic(
                content_object_id=pk,
                tag=target,
                position=row["position"],
                label=existing.get(pk) or labels.get(pk) or target.name,
                pinned=bool(row["pins"]),
            )
            for pk, row in merged.items()
        ]
    )
    TopicRedirect.objects.filter(topic_id__in=source_ids).update(topic=target)
    for tag in sources:
        TopicRedirect.objects.update_or_create(old_slug=tag.slug, defaults={"topic": target})
    TopicRedirect.objects.filter(old_slug=target.slug).delete()
    Tag.objects.filter(pk__in=source_ids).delete()
    return len(merged)


@transaction.atomic
def merge_providers(target, sources):
    """Move articles and related links of `sources` to `target`, then delete the sources.

    The moved articles' provider is locked: a re-import of their files (which name the old
    domain) must not move them back.
    """
    source_ids = [p.pk for p in sources if p.pk != target.pk]
    if not source_ids:
        return 0
    moved = list(Article.objects.filter(provider_id__in=source_ids).values_list("pk", flat=True))
    Article.objects.filter(pk__in=moved).update(provider=target)
    lock_fields(moved, ["provider"])
    RelatedLink.objects.filter(provider_id__in=source_ids).update(provider=target)
    Provider.objects.filter(pk__in=source_ids).delete()
    return len(moved)


def _ids(articles):
    if hasattr(articles, "values_list"):
        return list(articles.values_list("pk", flat=True))
    return [getattr(a, "pk", a) for a in articles]

"""Editors' curation: the few operations the admin's actions and the tests call.

Each function is atomic and works on querysets, so an action over a thousand
articles costs a handful of queries, not a thousand.
"""

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from taggit.models import Tag

from .locks import lock_fields
from .domains import normalize_domain
from .models import Article, ArticleTopic, Provider, ProviderAlias, RelatedLink, TopicRedirect, alias_key


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
def rename_topic(tag, old_slug, old_name=None):
    """After an editor renamed `tag` (or created it: no old values): its old name and slug become
    an alias of it, and its new ones, live again, stop being anyone's alias."""
    _add_alias(tag, old_name, old_slug)
    _drop_aliases_of_live(tag)


def _add_alias(target, name, slug):
    """Record that `name` (any case) and `slug` now mean `target`; the parts equal to the
    target's own name or slug are not aliases."""
    if name and alias_key(name) == alias_key(target.name):
        name = None
    if slug == target.slug:
        slug = None
    if not (name or slug):
        return
    _release(name, slug)
    TopicRedirect(old_name=name, old_slug=slug, topic=target).save()


def _release(name, slug):
    """Take `name` and `slug` out of the aliases that hold them (an alias left empty goes)."""
    if name:
        TopicRedirect.objects.filter(old_key=alias_key(name)).update(old_key=None, old_name=None)
    if slug:
        TopicRedirect.objects.filter(old_slug=slug).update(old_slug=None)
    TopicRedirect.objects.filter(old_key=None, old_slug=None).delete()


def _drop_aliases_of_live(tag):
    # A live topic's name and slug lead to it: an alias of them would shadow it (or loop).
    _release(tag.name, tag.slug)


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
    # Aliases of the sources follow them (no chains: A into B, then B into C, leads A to C), and
    # the sources' own names and slugs become aliases; the target's own (after a merge back) stop.
    TopicRedirect.objects.filter(topic_id__in=source_ids).update(topic=target)
    Tag.objects.filter(pk__in=source_ids).delete()
    for tag in sources:
        _add_alias(target, tag.name, tag.slug)
    _drop_aliases_of_live(target)
    return len(merged)


@transaction.atomic
def merge_providers(target, sources):
    """Move articles and related links of `sources` to `target`, then delete the sources; each
    source's domain becomes an alias of `target`, so later imports naming it land on `target`.

    The moved articles' provider is locked: a re-import of their files (which name the old
    domain) keeps the editor's choice even if the alias is removed.
    """
    sources = [p for p in sources if p.pk != target.pk]
    source_ids = [p.pk for p in sources]
    if not source_ids:
        return 0
    moved = list(Article.objects.filter(provider_id__in=source_ids).values_list("pk", flat=True))
    Article.objects.filter(pk__in=moved).update(provider=target)
    lock_fields(moved, ["provider"])
    RelatedLink.objects.filter(provider_id__in=source_ids).update(provider=target)
    ProviderAlias.objects.filter(provider_id__in=source_ids).update(provider=target)
    Provider.objects.filter(pk__in=source_ids).delete()
    ProviderAlias.objects.bulk_create([ProviderAlias(domain=p.domain, provider=target) for p in sources])
    ProviderAlias.objects.filter(domain=target.domain).delete()  # a merge back: the domain is live
    return len(moved)


def provider_saved(provider, old_domain=None):
    """After an editor added a provider or changed its domain: the old domain leads to it, and
    its own domain, live now, is no alias."""
    ProviderAlias.objects.filter(domain=provider.domain).delete()
    old_domain = normalize_domain(old_domain or "")
    if old_domain and old_domain != provider.domain:
        ProviderAlias.objects.update_or_create(domain=old_domain, defaults={"provider": provider})


def _ids(articles):
    if hasattr(articles, "values_list"):
        return list(articles.values_list("pk", flat=True))
    return [getattr(a, "pk", a) for a in articles]

"""One story, one entry: folding articles that cover the same story on list pages.

Two articles cover one story when either lists the other as related coverage: a
RelatedLink.web_url equal to the other's identity_url (an article's webUrl is its
identity whenever it has one, so this also matches on webUrl). Of such a pair a list
shows the article stored first, and says it is "also covered by" the other; an article
pinned to the topic is always shown.

Links are followed one step, not transitively: each check is then an indexed look-up
per row, which keeps a 25,000-article topic page cheap.
"""

from django.db.models import Exists, OuterRef, Q

from .models import ArticleTopic, RelatedLink


def one_per_story(queryset, topic=None):
    """`queryset` without the articles an earlier article of `queryset` already stands for."""
    # Each check starts from an index on the link (its URL or its article) and then asks
    # `queryset` about one row by key, so the cost grows with the list, not its square.
    def member(**lookups):
        return Exists(queryset.order_by().filter(**lookups))

    listed_by_earlier = Exists(
        RelatedLink.objects.filter(web_url=OuterRef("identity_url"), article_id__lt=OuterRef("pk")).filter(
            member(pk=OuterRef("article_id"))
        )
    )
    lists_earlier = Exists(
        RelatedLink.objects.filter(article=OuterRef("pk")).filter(
            member(identity_url=OuterRef("web_url"), pk__lt=OuterRef(OuterRef("pk")))
        )
    )
    keep = ~listed_by_earlier & ~lists_earlier
    if topic is not None:
        keep |= Q(Exists(ArticleTopic.objects.filter(content_object=OuterRef("pk"), tag=topic, pinned=True)))
    return queryset.filter(keep)


def also_covered_by(articles, queryset, *, pinned=frozenset()):
    """{article pk: [later articles of `queryset` covering the same story]} for one page.

    `pinned`: pks shown whatever their links (they fold nothing earlier into themselves).
    Three queries whatever the page size.
    """
    by_pk = {a.pk: a for a in articles}
    if not by_pk:
        return {}
    identities = {a.identity_url: a.pk for a in by_pk.values()}
    outgoing = {}  # page article pk -> the web_urls it lists
    for article_id, web_url in (
        RelatedLink.objects.filter(article_id__in=by_pk, web_url__isnull=False).order_by().values_list("article_id", "web_url")
    ):
        outgoing.setdefault(article_id, set()).add(web_url)
    listed = set().union(*outgoing.values()) if outgoing else set()

    others = list(
        queryset.order_by()
        .filter(
            Q(identity_url__in=listed)
            | Q(pk__in=RelatedLink.objects.filter(web_url__in=identities).order_by().values("article_id"))
        )
        .exclude(pk__in=by_pk)
        .select_related("provider")
        .order_by("provider__name", "pk")[:200]
    )
    if not others:
        return {}
    incoming = {}  # other article pk -> page identities it lists
    for article_id, web_url in (
        RelatedLink.objects.filter(article_id__in=[o.pk for o in others], web_url__in=identities)
        .order_by().values_list("article_id", "web_url")
    ):
        incoming.setdefault(article_id, set()).add(web_url)

    result = {}
    for article in by_pk.values():
        for other in others:
            if other.pk < article.pk and article.pk not in pinned:
                continue  # the earlier one is shown in its own right
            if other.identity_url in outgoing.get(article.pk, ()) or article.identity_url in incoming.get(other.pk, ()):
                result.setdefault(article.pk, []).append(other)
    return result

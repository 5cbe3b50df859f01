"""One story, one entry: folding articles that cover the same story on list pages.

Two articles cover one story when either lists the other as related coverage: a
RelatedLink.web_url equal to the other's identity_url (an article's webUrl is its
identity whenever it has one, so this also matches on webUrl). Of such a pair on one page
a list shows the article stored first, and says it is "also covered by" the other; an
article pinned to the topic is always shown.

Folding looks at one page only, so that a page of a topic with 25,000 articles costs the
same few queries as a page of a small one: a page may therefore show fewer cards than the
page size, and an article is folded only behind an article of the same page.

Links are followed one step: in a chain A-B-C where A and C are not linked, B and C are
both folded, and A names only B under "also covered by".
"""


from .models import Article, RelatedLink


def fold_page(articles, queryset, *, pinned=frozenset()):
    """The cards of one page: `articles` (in order) without those an earlier one stands for.

    Each shown article gets `also_covered_by`: the later articles of `queryset` covering the
    same story. `pinned`: pks shown whatever their links (they fold nothing earlier into
    themselves). Four queries at most, whatever the page size or the size of `queryset`.
    """
    if not articles:
        return []
    by_pk = {a.pk: a for a in articles}
    identities = {a.identity_url: a.pk for a in articles}
    outgoing = {}  # page article pk -> the web_urls it lists
    for article_id, web_url in (
        RelatedLink.objects.filter(article_id__in=by_pk, web_url__isnull=False).order_by().values_list("article_id", "web_url")
    ):
        outgoing.setdefault(article_id, set()).add(web_url)

    # A link between two articles of the page (either direction) folds the later one.
    folded = set()
    for article_id, urls in outgoing.items():
        for url in urls:
            other = identities.get(url)
            if other is not None and other != article_id and max(article_id, other) not in pinned:
                folded.add(max(article_id, other))
    shown = [a for a in articles if a.pk not in folded]
    covered = also_covered_by(shown, queryset, outgoing=outgoing, pinned=pinned)
    for article in shown:
        article.also_covered_by = covered.get(article.pk, [])
    return shown


def also_covered_by(articles, queryset, *, outgoing, pinned=frozenset()):
    """{article pk: [later articles of `queryset` covering the same story]} for shown cards.

    `outgoing`: {pk: web_urls it lists} for `articles`. Three queries whatever the page size.
    """
    if not articles:
        return {}
    by_pk = {a.pk: a for a in articles}
    identities = {a.identity_url: a.pk for a in articles}
    listed = set().union(*(outgoing.get(pk, set()) for pk in by_pk))
    # The linked articles by their own indexes first (one UNION), then only those of `queryset`:
    # an OR of the two inside the topic's query would make the database walk the whole topic.
    linked = (
        Article.objects.filter(identity_url__in=listed).order_by().values_list("pk")
        .union(RelatedLink.objects.filter(web_url__in=identities).order_by().values_list("article_id"))
    )
    candidates = {pk for (pk,) in linked} - set(by_pk)
    if not candidates:
        return {}
    others = list(
        queryset.order_by().filter(pk__in=candidates).select_related("provider").order_by("provider__name", "pk")[:200]
    )
    if not others:
        return {}
    incoming = {}  # other article pk -> shown identities it lists
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

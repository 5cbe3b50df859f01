"""One story, one entry: folding articles that cover the same story on list pages.

Two articles cover one story when either lists the other as related coverage: a
RelatedLink.web_url equal to the other's identity_url (an article's webUrl is its
identity whenever it has one, so this also matches on webUrl). Of such a pair a list
shows the article stored first, and says it is "also covered by" the other; an article
pinned to the topic is always shown.

Links are followed one step: in a chain A-B-C where A and C are not linked, B and C are
both folded, and A names only B under "also covered by".
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from .models import Article, ArticleTopic, RelatedLink


def one_per_story(queryset, topic=None):
    """`queryset` without the articles an earlier article of `queryset` already stands for."""
    # One set-based pass finds every folded article: each link between two members of
    # the list (either direction) folds the later of the two. The database runs it once
    # per query as a hashed/materialised sub-select, not once per row.
    members_sql, members_params = queryset.order_by().values("pk").query.sql_with_params()
    folded = RawSQL(
        f"""SELECT CASE WHEN link.article_id < target.id THEN target.id ELSE link.article_id END
            FROM {RelatedLink._meta.db_table} link
            JOIN {Article._meta.db_table} target ON target.identity_url = link.web_url
            WHERE link.article_id IN ({members_sql}) AND target.id IN ({members_sql})
              AND target.id <> link.article_id""",
        members_params + members_params,
    )
    keep = ~Q(pk__in=folded)
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

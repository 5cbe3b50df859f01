"""The API's stories: counted from their public articles only.

`Story.size`, `outlets` and the dates are kept over all of a story's articles, drafts and scheduled
ones included (articles/stories/assign.py), so the API never reads them: it groups
`Article.objects.published()` by story. A story without a public article does not exist here, and
its lead, when not public, gives way to its first public article (the readers' pages' rule).
A page of stories costs three queries whatever its length: the grouped rows, the leads, the outlets.
"""

from django.db.models import Case, Count, F, Max, Min, Value, When

from ..domains import normalize_domain
from ..models import Article, ArticleTopic
from ..stories.folding import one_per_story


def public_stories():
    """One row per story with a public article: story_id, size, first and last (published times)."""
    return (
        Article.objects.published().filter(story__isnull=False).order_by()
        .values("story_id")
        .annotate(size=Count("id"), first=Min("published_at"), last=Max("published_at"))
    )


def filtered_stories(query):
    """The public stories the list's filters let through."""
    rows = public_stories()
    if query["topic"] is not None:
        rows = rows.filter(story_id__in=ArticleTopic.objects.public().filter(tag__slug=query["topic"])
                           .values("content_object__story_id"))
    if query["provider"] is not None:
        rows = rows.filter(story_id__in=Article.objects.published()
                           .filter(provider__domain=normalize_domain(query["provider"])).values("story_id"))
    if query["published_after"] is not None:
        rows = rows.filter(last__gte=query["published_after"])
    if query["published_before"] is not None:
        rows = rows.filter(first__lt=query["published_before"])
    return rows


def leads(story_ids):
    """{story id: the public article standing for it}: the editor's or computed lead when public,
    else the story's first public article (oldest, then lowest id)."""
    lead_first = Case(When(story__lead_id=F("id"), then=Value(0)), default=Value(1))
    ordered = Article.objects.published().filter(story_id__in=story_ids).order_by(
        lead_first.asc(), "published_at", "id")
    return {
        article.story_id: article
        for article in one_per_story(ordered).select_related("provider")
        .only("id", "slug", "title", "story_id", "provider__name", "provider__domain")
    }


def outlets(story_ids):
    """{story id: [(name, domain)]}: the providers of its public articles, the first to cover it first."""
    by_story = {}
    for story_id, name, domain, _ in (
        Article.objects.published().filter(story_id__in=story_ids).order_by()
        .values_list("story_id", "provider__name", "provider__domain")
        .annotate(first=Min("published_at")).order_by("story_id", "first", "provider__domain")
    ):
        by_story.setdefault(story_id, []).append((name, domain))
    return by_story


def stories(rows, links, articles_link):
    """The objects of the grouped `rows`, in order. `articles_link(story_id)`: the API's list of its articles.

    A story whose last public article was unpublished between the queries is left out."""
    story_ids = [row["story_id"] for row in rows]
    lead_of = leads(story_ids) if story_ids else {}
    outlets_of = outlets(story_ids) if story_ids else {}
    return [
        _story(row, lead_of[row["story_id"]], outlets_of.get(row["story_id"], []), links, articles_link)
        for row in rows if row["story_id"] in lead_of
    ]


def _story(row, lead, outlets, links, articles_link):
    return {
        "id": row["story_id"],
        "size": row["size"],
        "lead": {"id": lead.pk, "url": links.article(lead), "title": lead.title,
                 "provider": _provider(links, lead.provider.name, lead.provider.domain)},
        "outlets": [_provider(links, name, domain) for name, domain in outlets],
        "first_published_at": row["first"].isoformat(),
        "last_published_at": row["last"].isoformat(),
        "articles_url": articles_link(row["story_id"]),
    }


def _provider(links, name, domain):
    return {"name": name, "domain": domain, "url": links.provider(domain)}

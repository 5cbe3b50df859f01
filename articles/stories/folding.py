"""What readers' pages show of stories: one card per story, its other outlets, and stories like it.

A list keeps, of each story, its first article in the list's own order (on a topic page pinned links
come first, so a pinned article stands for its story). The database picks it with a window function
over the whole list, so a story is on one page only, whichever page it falls on; an article without a
story stands for itself. Readers only ever see published articles: every query here starts from
`Article.objects.published()` (or the topic links' copy of it).
"""

from datetime import timedelta

import numpy as np
from django.db.models import F, OrderBy, Value, Window
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce, RowNumber

from ..models import Article, Story

OTHER_OUTLETS_SHOWN = 4
MORE_LIKE_THIS = 4
MORE_LIKE_THIS_WINDOW = timedelta(days=7)


def _order_expressions(queryset):
    """The queryset's order_by, as expressions a window can sort by."""
    expressions = []
    for item in queryset.query.order_by:
        if isinstance(item, BaseExpression):
            expressions.append(item)
        elif item.startswith("-"):
            expressions.append(OrderBy(F(item[1:]), descending=True))
        else:
            expressions.append(OrderBy(F(item)))
    return expressions


def one_per_story(queryset, *, story="story_id", article="id"):
    """`queryset` (ordered as the page lists it) keeping only each story's first entry.

    `story`, `article`: the columns naming them (on topic links, `content_object__story_id` and
    `content_object_id`)."""
    return queryset.alias(
        story_rank=Window(
            RowNumber(),
            partition_by=[Coalesce(F(story), Value(0) - F(article))],
            order_by=_order_expressions(queryset),
        )
    ).filter(story_rank=1)


FOLD_DEPTH = 1000


class FoldedList:
    """A long list with each story once, for the Paginator: folded over its first FOLD_DEPTH rows.

    Folding a whole list sorts every row of it (a topic of 25,000 articles, on every request). Readers
    page through the head of a list, so the head is folded — the window function over its first
    FOLD_DEPTH rows, one query of bounded cost — and the rest follows unfolded: a story is on one page
    only within the first ~50 pages. `total`: the list's row count, known already (no COUNT query).
    """

    def __init__(self, ordered, *, values, total, story, article):
        self._rows, self.values, self.total = ordered, values, total
        # The head's rows by primary key alone: repeating the list's filters here let the planner
        # read every row of the list (23,000 links of a large topic) to meet the 1,000.
        head = ordered.model._default_manager.filter(pk__in=ordered.values("pk")[:FOLD_DEPTH]).order_by(
            *ordered.query.order_by)
        self.head = list(one_per_story(head, story=story, article=article).values_list(*values))

    def count(self):
        return len(self.head) + max(0, self.total - FOLD_DEPTH)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        start, stop = index.start or 0, index.stop
        items = self.head[start:stop]
        if stop > len(self.head):  # past the folded head: the list's own rows, after its first FOLD_DEPTH
            skip = FOLD_DEPTH + max(0, start - len(self.head))
            items += list(self._rows.values_list(*self.values)[skip:FOLD_DEPTH + stop - len(self.head)])
        return items


class _Other:
    """Another outlet's article of the story, as a card names it."""

    __slots__ = ("pk", "slug", "provider")

    def __init__(self, pk, slug, provider):
        self.pk, self.slug, self.provider = pk, slug, provider

    def get_absolute_url(self):
        return Article(pk=self.pk, slug=self.slug).get_absolute_url()


class _Provider:
    __slots__ = ("name", "domain")

    def __init__(self, name, domain):
        self.name, self.domain = name, domain


def attach_other_outlets(articles):
    """Give each article `story_outlets` (the published outlets covering its story, itself included)
    and `also_covered_by` (up to OTHER_OUTLETS_SHOWN other outlets' articles); one query."""
    story_ids = {a.story_id for a in articles if getattr(a, "story_id", None)}
    by_story = {}
    if story_ids:
        rows = (
            Article.objects.published().filter(story_id__in=story_ids)
            .order_by("story_id", "published_at", "id")
            .values_list("story_id", "id", "slug", "provider_id", "provider__name", "provider__domain")
        )
        for story_id, pk, slug, provider_id, name, domain in rows:
            outlets = by_story.setdefault(story_id, {})
            if provider_id not in outlets:  # an outlet's first article on the story stands for it
                outlets[provider_id] = _Other(pk, slug, _Provider(name, domain))
    for article in articles:
        outlets = by_story.get(getattr(article, "story_id", None), {})
        others = [other for provider_id, other in outlets.items() if provider_id != article.provider_id]
        article.story_outlets = len(others) + 1
        article.also_covered_by = others[:OTHER_OUTLETS_SHOWN]
    return articles


def story_coverage(article):
    """The other published articles of `article`'s story, oldest first (one query; none without a story)."""
    if not article.story_id:
        return []
    return list(
        Article.objects.published().filter(story_id=article.story_id).exclude(pk=article.pk)
        .select_related("provider")
        .only("id", "slug", "title", "identity_url", "published_at", "provider__name", "provider__domain")
        .order_by("published_at", "id")
    )


def more_like_this(article, *, limit=MORE_LIKE_THIS):
    """Published articles standing for the stories nearest `article`'s own (by their title vectors),
    within a week of it: two queries, none when the article has no story yet."""
    if not article.story_id:
        return []
    when = article.published_at or article.created_at
    candidates = list(
        Story.objects.filter(
            last_published_at__gte=when - MORE_LIKE_THIS_WINDOW, first_published_at__lte=when + MORE_LIKE_THIS_WINDOW,
            centroid__isnull=False,
        ).values_list("pk", "centroid")
    )
    own = next((c for pk, c in candidates if pk == article.story_id), None)
    others = [(pk, c) for pk, c in candidates if pk != article.story_id]
    if own is None or not others:
        return []
    matrix = np.frombuffer(b"".join(bytes(c) for _, c in others), dtype=np.float32).reshape(len(others), -1)
    similarity = matrix @ np.frombuffer(bytes(own), dtype=np.float32)
    nearest = [others[i][0] for i in np.argsort(-similarity, kind="stable")[: limit * 2]]
    # Each story's first published article readers may see; a story with none is left out.
    shown = one_per_story(
        Article.objects.published().filter(story_id__in=nearest).order_by("published_at", "id")
    ).select_related("provider").only("id", "slug", "title", "published_at", "story_id", "provider__name",
                                      "provider__domain")
    by_story = {a.story_id: a for a in shown}
    return [by_story[pk] for pk in nearest if pk in by_story][:limit]

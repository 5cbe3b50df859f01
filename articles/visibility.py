"""What readers may see: the one rule, its status names, and the topic-link copies it reads.

An article is **Live** when its published flag is set and its published time has come; with the
flag set and the time still ahead it is **Scheduled**; otherwise (flag unset, or no time) it is a
**Draft**. Only Live articles reach readers: pages, the topic list, feeds, sitemaps and search
all start from `ArticleQuerySet.published()` or `ArticleTopicQuerySet.public()`, and both filter
with `public_q()` below. A topic or a provider with no Live article does not exist for readers
(its page and feeds are 404s; lists and sitemaps leave it out).

Topic links (ArticleTopic) carry copies of some article columns, kept by database triggers
(articles/migrations/0007 and 0009), so a topic page is read from one index: the public rule
on a link reads the copies of PUBLIC_COLUMNS.

This module imports no model, so models, the importer and the admin can all import it.
"""

from django.db.models import Q, TextChoices
from django.utils import timezone

# The article columns the rule reads.
PUBLIC_COLUMNS = ("is_published", "published_at")
# The article columns a topic link copies as f"{COPY_PREFIX}{column}": the rule's, then the ones
# a topic page sorts and filters by.
COPY_PREFIX = "article_"
COPIED_COLUMNS = (*PUBLIC_COLUMNS, "heat", "quality", "provider_id")
# Copied as -1 when the article has none, so a plain DESC index sorts them last on every engine.
COPIED_NONE_AS = {"heat": -1, "quality": -1}


class Status(TextChoices):
    """An article's state for editors (the admin's status column and filter); readers see LIVE only."""

    LIVE = "live", "Live"
    SCHEDULED = "scheduled", "Scheduled"
    DRAFT = "draft", "Draft"


def public_q(*, prefix="", now=None):
    """The rule as a filter: published flag set, published time come.

    `prefix` names the same columns elsewhere: COPY_PREFIX for a topic link's copies.
    """
    return status_q(Status.LIVE, prefix=prefix, now=now)


def status_q(state, *, prefix="", now=None):
    """The articles (or, with a `prefix`, the copies) in Status `state`; `now` defaults to the clock."""
    now = timezone.now() if now is None else now
    flag, time = (f"{prefix}{column}" for column in PUBLIC_COLUMNS)
    if state == Status.LIVE:
        return Q(**{flag: True, f"{time}__lte": now})
    if state == Status.SCHEDULED:
        return Q(**{flag: True, f"{time}__gt": now})
    if state == Status.DRAFT:
        return Q(**{flag: False}) | Q(**{f"{time}__isnull": True})
    raise ValueError(f"Unknown status: {state!r}")


def published_flag_q(*, prefix=""):
    """The rule's part that does not move with the clock: the condition of the partial indexes
    that serve public lists (published time is a column of those indexes instead)."""
    return Q(**{f"{prefix}{PUBLIC_COLUMNS[0]}": True})


def status(article, now=None):
    """`article`'s Status at `now` (default: the clock); the same answer as status_q()."""
    if not article.is_published or article.published_at is None:
        return Status.DRAFT
    if article.published_at > (timezone.now() if now is None else now):
        return Status.SCHEDULED
    return Status.LIVE


def is_public(article, now=None):
    """Whether readers may see `article` now: `Article.objects.published()` for one instance."""
    return status(article, now) == Status.LIVE


def link_copies(values):
    """The copy columns a topic link of an article holds, from the article's `values`
    ({column: value} for COPIED_COLUMNS): what the triggers write, for writers that fill them."""
    return {
        f"{COPY_PREFIX}{column}": COPIED_NONE_AS.get(column) if values[column] is None else values[column]
        for column in COPIED_COLUMNS
    }

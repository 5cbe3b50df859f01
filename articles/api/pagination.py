"""Cursor pagination: each page starts where the last one ended (a keyset), so page 5,000
costs what page 1 costs, and an article published meanwhile neither repeats nor hides one.

Articles are paged on (order column, id): (published_at, id), (heat, id) or (quality, id),
newest/highest first, articles without heat or quality last. Stories are paged on (the time of
their last public article, id), newest first. Topics and providers are paged on their slug or
domain. A cursor is opaque to clients: base64 of [order, direction, value, id].
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.dateparse import parse_datetime

# order -> the article column it sorts by (descending; ties by id, descending).
ORDERS = {"latest": "published_at", "trending": "heat", "quality": "quality"}
NAME_ORDER = "name"  # topics by slug, providers by domain: ascending, unique
STORY_ORDER = "stories"  # stories by their last public article's time, then id: descending
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Cursor:
    order: str
    before: bool  # the page ending just before this position (a `previous` link), else starting after it
    value: object  # the order column's value at the position: a datetime, an int, None or a name
    pk: int = 0

    def encode(self):
        value = self.value.isoformat() if hasattr(self.value, "isoformat") else self.value
        raw = json.dumps([self.order, "b" if self.before else "a", value, self.pk], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, raw):
        """The cursor `raw` encodes, or ValueError."""
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8"))
        except (binascii.Error, UnicodeError, ValueError):
            raise ValueError("not a cursor of this API (copy it from a `next` or `previous` link).") from None
        if not (isinstance(data, list) and len(data) == 4 and data[1] in ("a", "b")):
            raise ValueError("not a cursor of this API.")
        order, direction, value, pk = data
        if order == NAME_ORDER:
            if not isinstance(value, str) or "\x00" in value or pk != 0:
                raise ValueError("not a cursor of this API.")
        elif order in ORDERS or order == STORY_ORDER:
            if type(pk) is not int or not 1 <= pk <= MAX_ID:
                raise ValueError("not a cursor of this API.")
            value = _column_value("latest" if order == STORY_ORDER else order, value)
        else:
            raise ValueError("not a cursor of this API.")
        return cls(order, direction == "b", value, pk)


def _column_value(order, value):
    if order == "latest":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValueError("not a cursor of this API.")
        return moment
    if value is None or (type(value) is int and 0 <= value <= MAX_ID):
        return value
    raise ValueError("not a cursor of this API.")


@dataclass
class Page:
    items: list
    next: Cursor | None
    previous: Cursor | None


def article_order(queryset, order, *, reverse=False):
    column = ORDERS[order]
    if order == "latest":  # never NULL on a published article: the plain order the date indexes serve
        return queryset.order_by(column, "id") if reverse else queryset.order_by(f"-{column}", "-id")
    if reverse:
        return queryset.order_by(F(column).asc(nulls_first=True), "id")
    return queryset.order_by(F(column).desc(nulls_last=True), "-id")


def beyond(cursor):
    """The articles after the cursor's position in its order (or before it, for a `previous` cursor)."""
    column, value, pk = ORDERS[cursor.order], cursor.value, cursor.pk
    nullable = cursor.order != "latest"
    at_value = Q(**{column: value})
    if not cursor.before:
        if value is None:  # among the articles without a value, which come last
            return Q(**{f"{column}__isnull": True, "id__lt": pk})
        after = Q(**{f"{column}__lte": value}) & ~(at_value & Q(id__gte=pk))
        return after | Q(**{f"{column}__isnull": True}) if nullable else after
    if value is None:
        return Q(**{f"{column}__isnull": False}) | Q(**{f"{column}__isnull": True, "id__gt": pk})
    return Q(**{f"{column}__gte": value}) & ~(at_value & Q(id__lte=pk))


def position(article, order, *, before):
    return Cursor(order, before, getattr(article, ORDERS[order]), article.pk)


def paginate_articles(queryset, *, order, limit, cursor=None):
    """One page of `queryset` in `order`, with cursors to the pages on either side (or None)."""
    if cursor is None or not cursor.before:
        if cursor is not None:
            queryset = queryset.filter(beyond(cursor))
        rows = list(article_order(queryset, order)[: limit + 1])
        items, more = rows[:limit], len(rows) > limit
        return Page(
            items,
            next=position(items[-1], order, before=False) if more else None,
            previous=position(items[0], order, before=True) if cursor is not None and items else None,
        )
    rows = list(article_order(queryset.filter(beyond(cursor)), order, reverse=True)[: limit + 1])
    items, more = rows[:limit][::-1], len(rows) > limit
    return Page(
        items,
        next=position(items[-1], order, before=False) if items else None,
        previous=position(items[0], order, before=True) if more else None,
    )


def paginate_names(queryset, column, *, limit, cursor=None):
    """One page of `queryset` (rows with a unique `column`, e.g. a slug) in ascending `column` order."""
    if cursor is not None and cursor.order != NAME_ORDER:
        raise ValueError("this cursor belongs to another list.")
    before = cursor is not None and cursor.before
    if cursor is not None:
        queryset = queryset.filter(**{f"{column}__{'lt' if before else 'gt'}": cursor.value})
    rows = list(queryset.order_by(f"-{column}" if before else column)[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    if before:
        items.reverse()

    def at(item, *, before):
        return Cursor(NAME_ORDER, before, item[column] if isinstance(item, dict) else getattr(item, column))

    has_next = more if not before else bool(items)
    has_previous = (cursor is not None and bool(items)) if not before else more
    return Page(
        items,
        next=at(items[-1], before=False) if has_next and items else None,
        previous=at(items[0], before=True) if has_previous and items else None,
    )


def paginate_stories(rows, *, limit, cursor=None):
    """One page of `rows` (grouped story rows with `story_id` and a never-NULL `last`), newest first,
    with cursors to the pages on either side (or None)."""
    if cursor is not None and cursor.order != STORY_ORDER:
        raise ValueError("this cursor belongs to another list.")
    before = cursor is not None and cursor.before
    if cursor is not None:
        value, pk = cursor.value, cursor.pk
        if before:
            rows = rows.filter(Q(last__gt=value) | Q(last=value, story_id__gt=pk))
        else:
            rows = rows.filter(Q(last__lt=value) | Q(last=value, story_id__lt=pk))
    ordered = rows.order_by("last", "story_id") if before else rows.order_by("-last", "-story_id")
    found = list(ordered[: limit + 1])
    items, more = found[:limit], len(found) > limit
    if before:
        items.reverse()

    def at(row, *, before):
        return Cursor(STORY_ORDER, before, row["last"], row["story_id"])

    has_next = more if not before else bool(items)
    has_previous = (cursor is not None and bool(items)) if not before else more
    return Page(
        items,
        next=at(items[-1], before=False) if has_next and items else None,
        previous=at(items[0], before=True) if has_previous and items else None,
    )

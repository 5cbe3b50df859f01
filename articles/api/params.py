"""The API's query parameters, each declared once: the validator and the OpenAPI schema read
the same declaration, so what is documented is what is accepted.

A query string is refused whole (400) when it names a parameter the endpoint does not take,
repeats one, or gives a value its parser refuses; the error names the parameter.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from datetime import timezone as dt_timezone
from typing import Any, Callable

from django.utils.dateparse import parse_date, parse_datetime

from .. import search
from .pagination import ORDERS, Cursor
from .representations import ARTICLE_FIELDS

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_ID = 2**63 - 1  # the largest key either database stores
MAX_NAME_LENGTH = 253  # the longest topic slug or provider domain


class BadParameter(ValueError):
    def __init__(self, parameter, code, message):
        super().__init__(message)
        self.parameter, self.code, self.message = parameter, code, message


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict
    parse: Callable[[str], Any]  # the value, or ValueError saying what is wrong with it
    default: Any = None
    example: Any = field(default=None)


def parse_query(query_dict, params):
    """The values of `params` in `query_dict` (defaults for the missing ones), or BadParameter."""
    known = {param.name: param for param in params}
    values = {}
    for name, raw_values in query_dict.lists():
        if name not in known:
            expected = ", ".join(known) or "none"
            raise BadParameter(name, "unknown_parameter", f"Unknown parameter {name!r}; this endpoint takes: {expected}.")
        if len(raw_values) > 1:
            raise BadParameter(name, "repeated_parameter", f"{name!r} is given {len(raw_values)} times; give it once.")
        raw = raw_values[0]
        if "\x00" in raw:
            raise BadParameter(name, "invalid_parameter", f"{name!r} contains a NUL character.")
        try:
            values[name] = known[name].parse(raw)
        except (ValueError, OverflowError) as error:
            raise BadParameter(name, "invalid_parameter", f"{name!r}: {error}") from None
    for param in params:
        values.setdefault(param.name, param.default)
    return values


def text(max_length):
    def parse(raw):
        if not raw.strip():
            raise ValueError("must not be empty.")
        if len(raw) > max_length:
            raise ValueError(f"at most {max_length} characters.")
        return raw

    return parse


def positive_integer(maximum):
    def parse(raw):
        if not re.fullmatch(r"[0-9]{1,19}", raw) or not 1 <= int(raw) <= maximum:
            raise ValueError(f"a whole number from 1 to {maximum}.")
        return int(raw)

    return parse


def moment(raw):
    """An ISO 8601 date-time (UTC when it gives no offset) or a date (its midnight, UTC)."""
    value = parse_datetime(raw)  # ValueError for a well-formed but impossible time
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValueError("an ISO 8601 date-time, such as 2026-01-31T08:00:00Z.")
        value = datetime.combine(day, time.min)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_timezone.utc)
    return value.astimezone(dt_timezone.utc)  # OverflowError past year 9999: refused like the rest


def choice(options):
    def parse(raw):
        if raw not in options:
            raise ValueError(f"one of {', '.join(options)}.")
        return raw

    return parse


def field_names(raw):
    names = [name.strip() for name in raw.split(",")]
    unknown = [name for name in names if name not in ARTICLE_FIELDS]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; the fields are {', '.join(ARTICLE_FIELDS)}.")
    return {"id", *names}


def cursor(raw):
    return Cursor.decode(raw)


NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

TOPIC = Param("topic", "Only articles on this topic (its slug).", NAME_SCHEMA, text(MAX_NAME_LENGTH), example="ai")
PROVIDER = Param("provider", "Only articles from this provider (its domain).", NAME_SCHEMA, text(MAX_NAME_LENGTH),
                 example="bbc.co.uk")
STORY = Param("story", "Only articles of this story (its id).", ID_SCHEMA, positive_integer(MAX_ID))
PUBLISHED_AFTER = Param(
    "published_after", "Only articles published at or after this time (ISO 8601; UTC unless it says).",
    {"type": "string", "format": "date-time"}, moment, example="2026-01-31T00:00:00Z")
PUBLISHED_BEFORE = Param(
    "published_before", "Only articles published before this time (ISO 8601; UTC unless it says).",
    {"type": "string", "format": "date-time"}, moment)
QUERY = Param(
    "q", "Only articles matching these words, as the site's search finds them: every word must match, and "
    "only its newest matches count, as on the search page. The list keeps its `order` (not the search's ranking).",
    {"type": "string", "minLength": 1, "maxLength": search.MAX_QUERY_LENGTH}, text(search.MAX_QUERY_LENGTH),
    example="vaccine")
ORDER = Param(
    "order", "latest: newest first; trending: hottest first; quality: best first (ties newest id first).",
    {"type": "string", "enum": list(ORDERS), "default": "latest"}, choice(tuple(ORDERS)), default="latest")
CURSOR = Param(
    "cursor", "Where a page starts: copy it from a page's `next` or `previous` link; it belongs to one `order`.",
    {"type": "string", "minLength": 1}, cursor)
LIMIT = Param(
    "limit", f"Articles per page, 1 to {MAX_LIMIT}.",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    positive_integer(MAX_LIMIT), default=DEFAULT_LIMIT)
FIELDS = Param(
    "fields", "Only these fields of each article, comma-separated (`id` always comes): "
    + ", ".join(ARTICLE_FIELDS) + ".",
    {"type": "string", "minLength": 1}, field_names, default=set(ARTICLE_FIELDS), example="title,web_url,story")
PAGE_LIMIT = Param(
    "limit", f"Items per page, 1 to {MAX_LIMIT}.",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    positive_integer(MAX_LIMIT), default=DEFAULT_LIMIT)
NAME_CURSOR = Param(
    "cursor", "Where a page starts: copy it from a page's `next` or `previous` link.",
    {"type": "string", "minLength": 1}, cursor)

STORY_TOPIC = Param("topic", "Only stories with a public article on this topic (its slug).", NAME_SCHEMA,
                    text(MAX_NAME_LENGTH), example="ai")
STORY_PROVIDER = Param("provider", "Only stories a public article of this provider (its domain) covers.", NAME_SCHEMA,
                       text(MAX_NAME_LENGTH), example="bbc.co.uk")
STORY_PUBLISHED_AFTER = Param(
    "published_after", "Only stories with a public article published at or after this time (their "
    "`last_published_at`; ISO 8601, UTC unless it says).",
    {"type": "string", "format": "date-time"}, moment, example="2026-01-31T00:00:00Z")
STORY_PUBLISHED_BEFORE = Param(
    "published_before", "Only stories with a public article published before this time (their "
    "`first_published_at`; ISO 8601, UTC unless it says).",
    {"type": "string", "format": "date-time"}, moment)
STORY_CURSOR = Param(
    "cursor", "Where a page starts: copy it from a page's `next` or `previous` link.",
    {"type": "string", "minLength": 1}, cursor)
STORY_LIMIT = Param(
    "limit", f"Stories per page, 1 to {MAX_LIMIT}.",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    positive_integer(MAX_LIMIT), default=DEFAULT_LIMIT)

ARTICLE_LIST = (TOPIC, PROVIDER, STORY, PUBLISHED_AFTER, PUBLISHED_BEFORE, QUERY, ORDER, CURSOR, LIMIT, FIELDS)
ARTICLE_DETAIL = (FIELDS,)
NAME_LIST = (NAME_CURSOR, PAGE_LIMIT)
STORY_LIST = (STORY_TOPIC, STORY_PROVIDER, STORY_PUBLISHED_AFTER, STORY_PUBLISHED_BEFORE, STORY_CURSOR, STORY_LIMIT)

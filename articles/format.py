"""The front-matter format both directions share (../shared/FORMAT.md): the importer reads it,
the exporter writes it, and both take its keys and value tagging from here.

Pure: no database and no Django, so the parse workers can import it.
"""

import datetime as dt

# The file names a corpus may use; discovery and the admin upload keep only these.
SUFFIXES = (".md", ".markdown", ".txt")

# The top-level keys FORMAT.md lists; anything else is kept in `extra`.
ARTICLE_KEYS = (
    "category", "title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "ampWebUrl",
    "cdnAmpWebUrl", "type", "quality", "heat", "published", "provider", "topics", "images",
    "related", "featuredContent", "secured",
)
IMAGE_KEYS = ("url", "width", "height", "isCached", "title")
RELATED_KEYS = (
    "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type",
    "provider", "quality", "images",
)
PROVIDER_KEYS = ("name", "domain", "images")

# The article's list keys: stored as rows, where `null` and `[]` both become no rows. A list
# key the file gave as null is recorded in source_keys as "images=null", so the export gives
# null back.
LIST_KEYS = ("topics", "images", "related")
NULL_SUFFIX = "=null"


def source_keys(mapping):
    """An article mapping's keys in order, as `source_keys` records them (null lists marked)."""
    return [f"{key}{NULL_SUFFIX}" if key in LIST_KEYS and mapping[key] is None else key for key in mapping]


def key_name(entry):
    """A source_keys entry -> (the key, whether the file gave it as a null list)."""
    if entry.endswith(NULL_SUFFIX) and entry[: -len(NULL_SUFFIX)] in LIST_KEYS:
        return entry[: -len(NULL_SUFFIX)], True
    return entry, False

# Values the JSON columns cannot hold natively are tagged, so the exporter gives them back.
TIMESTAMP_TAG = "$timestamp"
DATE_TAG = "$date"


def to_jsonable(value):
    """A YAML value as JSON can store it: timestamps and dates become tagged mappings."""
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return {TIMESTAMP_TAG: value.isoformat()}
    if isinstance(value, dt.date):
        return {DATE_TAG: value.isoformat()}
    return value


def from_jsonable(value):
    """The inverse of `to_jsonable`: tagged mappings become timestamps and dates again."""
    if isinstance(value, dict):
        if len(value) == 1 and TIMESTAMP_TAG in value:
            return dt.datetime.fromisoformat(value[TIMESTAMP_TAG])
        if len(value) == 1 and DATE_TAG in value:
            return dt.date.fromisoformat(value[DATE_TAG])
        return {key: from_jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    return value

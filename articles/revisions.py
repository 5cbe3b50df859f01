"""Article versions: every editor's save, action and restore, and every import, keeps the
article's editable fields as they then stood; editors compare two versions and restore one.

A snapshot is {field: value} for VERSIONED (locks.EDITABLE_FIELDS: what an editor can change and
lock): the provider as its id, the topics as their ids in order (names change, ids do not), times as UTC ISO strings, so
two snapshots compare with `==` whatever wrote them. Imports write their versions in the same
batch as the articles, one bulk INSERT (`import_rows`), marked as the feed's.
"""

from datetime import datetime, timezone as dt_timezone

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from taggit.models import Tag

from .locks import EDITABLE_FIELDS, update_locks
from .models import Article, ArticleTopic, ArticleVersion
from .slugs import article_slug

VERSIONED = EDITABLE_FIELDS
# The article columns the snapshot reads, by snapshot name ("provider" is the provider's id).
COLUMNS = {name: "provider_id" if name == "provider" else name for name in VERSIONED if name != "topics"}
Origin = ArticleVersion.Origin
# Articles recorded per round of queries: a merge of a big topic stays within SQLite's variable limit.
RECORD_BATCH = 2000


def jsonable(value):
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat()
    return value


def snapshot(values, topics):
    """A snapshot from an article's column values ({column: value}) and its topic ids."""
    found = {name: jsonable(values[column]) for name, column in COLUMNS.items()}
    found["topics"] = list(topics)
    return found


def current_snapshots(article_ids):
    """{pk: snapshot} of the articles as stored now, in two queries."""
    ids = list(article_ids)
    topics = {pk: [] for pk in ids}
    for pk, name in (
        ArticleTopic.objects.filter(content_object_id__in=ids)
        .order_by("content_object_id", "position", "id")
        .values_list("content_object_id", "tag_id")
    ):
        topics[pk].append(name)
    rows = Article.objects.filter(pk__in=ids).values("pk", *COLUMNS.values())
    return {row["pk"]: snapshot(row, topics[row["pk"]]) for row in rows}


def record(article_ids, *, user, origin=Origin.EDITOR, message=""):
    """Keep a version of each article as it is stored now (three queries per RECORD_BATCH articles)."""
    ids, kept = list(dict.fromkeys(article_ids)), 0
    for start in range(0, len(ids), RECORD_BATCH):
        found = current_snapshots(ids[start:start + RECORD_BATCH])
        ArticleVersion.objects.bulk_create(
            ArticleVersion(article_id=pk, user=user, origin=origin, message=message[:300], snapshot=values)
            for pk, values in found.items()
        )
        kept += len(found)
    return kept


def import_rows(created, updated, *, now):
    """The versions an import batch writes, as rows for one bulk INSERT: `created` are the new
    articles' rows with their topic ids, `updated` the updated articles with theirs (None for
    a topic list the editor locked: the version then leaves topics out)."""
    rows = []
    for values, topics in created:
        rows.append(_import_row(values["id"], snapshot(values, topics), now))
    for article, topics in updated:
        values = snapshot({column: getattr(article, column) for column in COLUMNS.values()}, topics or ())
        if topics is None:
            del values["topics"]
        rows.append(_import_row(article.pk, values, now))
    return rows


def _import_row(pk, values, now):
    return {"article_id": pk, "created_at": now, "user_id": None, "origin": Origin.IMPORT, "message": "",
            "snapshot": values}


def changes(older, newer):
    """[(field, old, new)] for the fields two snapshots both hold and that differ, in VERSIONED
    order; with no `older`, the fields `newer` gives a value (what the first version set)."""
    if older is None:
        return [(name, None, newer[name]) for name in VERSIONED if newer.get(name) not in (None, "", [])]
    return [
        (name, older[name], newer[name])
        for name in VERSIONED
        if name in newer and name in older and older[name] != newer[name]
    ]


def with_changes(versions):
    """Each version (newest first) with `.changes` against the one before it; the list must end
    with the version before the oldest shown (or hold them all): that last one is dropped when
    more than `len(versions) - 1` exist. Returns the versions to show."""
    for newer, older in zip(versions, versions[1:] + [None]):
        newer.changes = changes(older.snapshot if older else None, newer.snapshot)
    return versions


@transaction.atomic
def restore(article, version, *, user):
    """Give `article` the values of `version` that differ from now, lock them like any edit, and
    keep the result as a new version. Returns the restored field names (empty: nothing differed)."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    now = current_snapshots([article.pk])[article.pk]
    fields = [name for name, _, _ in changes(now, version.snapshot)]
    if not fields:
        return []
    columns = []
    for name in fields:
        if name == "topics":
            _set_topics(article, version.snapshot["topics"])
            continue
        column = COLUMNS[name]
        field = Article._meta.get_field(name)
        setattr(article, column, field.to_python(version.snapshot[name]))
        columns.append(column)
        if name == "title":
            article.slug = article_slug(article.title)
            columns.append("slug")
    if columns:
        article.save(update_fields=[*columns, "updated_at"])
    update_locks(article, changed=fields, handed_back=())
    when = version.created_at.strftime("%Y-%m-%d %H:%M")
    message = f"Restored {', '.join(fields)} from the version of {when} UTC."
    record([article.pk], user=user, origin=Origin.RESTORE, message=message)
    LogEntry.objects.log_actions(user.pk, [article], CHANGE, change_message=message)
    return fields


def _set_topics(article, tag_ids):
    """The article's topic links become `tag_ids`, in order (topics deleted since are left out);
    links kept keep their pins."""
    found = Tag.objects.in_bulk(tag_ids)
    tags = [found[pk] for pk in tag_ids if pk in found]
    links = {link.tag_id: link for link in ArticleTopic.objects.filter(content_object=article)}
    ArticleTopic.objects.filter(content_object=article).exclude(tag__in=tags).delete()
    for position, tag in enumerate(tags):
        link = links.get(tag.pk) or ArticleTopic(content_object=article, tag=tag, label=tag.name)
        link.position = position
        link.save()

"""Validated records -> database rows, one atomic batch at a time.

A batch is written in one transaction: an error or Ctrl-C leaves every article of
the batch entirely old or entirely new. Provider and topic look-ups are cached for
the whole run; children (images, related links, topic links) are replaced wholesale
so that they match the file exactly.
"""

import functools
import itertools
import json
import operator

from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, ArticleTopic, Image, Provider, RelatedLink, TopicRedirect
from articles.slugs import provider_slug

# Article fields an import sets from the file (besides provider and provenance).
RECORD_FIELDS = (
    "title", "web_url", "original_url", "amp_url", "cdn_amp_url", "excerpt", "category",
    "item_type", "published_at", "published_at_offset", "quality", "heat", "is_published",
    "featured_content", "secured", "body", "body_html", "provider_source", "extra", "source_keys",
)
PROVENANCE_FIELDS = ("source_path", "content_hash", "last_imported_at", "slug")
# Any fixed number: the PostgreSQL advisory lock each batch's transaction takes before it reads
# what exists, so two imports never create the same article, provider or topic at once.
BATCH_WRITE_LOCK = 7_236_000_002
# The import connection's SQLite page cache (KiB): the run's memory budget allows it.
SQLITE_CACHE_KIB = 32 * 1024
# How many WAL pages an import lets pile up before SQLite copies them into the database
# (SQLite's default is 1,000). A batch at 100,000 articles dirties a few thousand pages, so the
# default checkpointed after every batch, copying the same index pages again each time: a third
# of the writer's time. The WAL file grows to about this many 4 KB pages (256 MB) during a large
# import and is truncated at its end (Writer.finish).
SQLITE_IMPORT_CHECKPOINT_PAGES = 65_536
SQLITE_DEFAULT_CHECKPOINT_PAGES = 1_000
# Editor-lockable names that stand for more than one column.
LOCK_GROUPS = {
    "provider": ("provider", "provider_source"),
    "published_at": ("published_at", "published_at_offset"),
    "title": ("title", "slug"),
    "body": ("body", "body_html"),
}


def _is_deadlock(exc):
    # deadlock_detected, serialization_failure: PostgreSQL's "run the transaction again".
    return getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")


def article_slug(title):
    return slugify(title or "", allow_unicode=True)[:80].strip("-") or "article"


class Writer:
    def __init__(self, *, run_order=None):
        # Paths of this run in processing order: a file loses to a later file of the same run.
        self.run_order = run_order or {}
        if connection.vendor == "sqlite":
            # A batch touches pages all over the article, link and search-index B-trees; with
            # SQLite's default 2 MB page cache it re-reads most of them from the OS per batch.
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_IMPORT_CHECKPOINT_PAGES}")
        self._load_known()

    def finish(self):
        """End of the run (also after an error): SQLite's WAL goes back into the database and
        the connection to SQLite's usual checkpoint interval. A reader still holding an old
        snapshot only means the WAL is truncated at a later checkpoint."""
        if connection.vendor != "sqlite":
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_DEFAULT_CHECKPOINT_PAGES}")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except OperationalError:
            pass  # e.g. still locked after an error: SQLite checkpoints at its next commit anyway

    def _load_known(self):
        self.provider_ids = dict(Provider.objects.values_list("domain", "id"))
        self.tag_ids = {name.casefold(): pk for name, pk in Tag.objects.values_list("name", "id")}

    # -- look-ups -------------------------------------------------------------------------

    def _ensure_providers(self, records):
        wanted = {}
        for record in records:
            for provider in [record.provider] + [r["provider"] for r in record.related]:
                if provider is not None and provider.domain not in self.provider_ids:
                    wanted.setdefault(provider.domain, provider)
        if not wanted:
            return
        Provider.objects.bulk_create(
            [
                Provider(name=p.name, domain=p.domain, slug=provider_slug(p.domain), logos=p.logos)
                for p in wanted.values()
            ],
            ignore_conflicts=True,  # another import may have created it a moment ago
        )
        self.provider_ids.update(Provider.objects.filter(domain__in=wanted).values_list("domain", "id"))
        for domain, provider in wanted.items():
            if domain not in self.provider_ids:  # its slug belongs to another domain: news.example, newsexample
                self.provider_ids[domain] = self._create_provider_with_free_slug(provider)

    @staticmethod
    def _create_provider_with_free_slug(provider):
        base = provider_slug(provider.domain)
        for n in itertools.count(2):
            try:
                with transaction.atomic():
                    return Provider.objects.create(
                        name=provider.name, domain=provider.domain, slug=f"{base}-{n}", logos=provider.logos
                    ).id
            except IntegrityError:
                # Either that slug is taken too, or a concurrent import just created this domain.
                found = Provider.objects.filter(domain=provider.domain).values_list("id", flat=True).first()
                if found is not None:
                    return found

    def _ensure_topics(self, records):
        for record in records:
            for label in record.topics:
                key = label.strip().casefold()
                if key in self.tag_ids:
                    continue
                # BATCH_WRITE_LOCK (PostgreSQL) and IMMEDIATE transactions (SQLite) mean no other
                # import creates "ai" while this one creates "AI": what this query misses is new.
                existing = Tag.objects.filter(name__iexact=label.strip()).values_list("id", flat=True).first()
                if existing is None:
                    # A topic editors renamed or merged away: follow its redirect, don't recreate it.
                    existing = (
                        TopicRedirect.objects.filter(old_slug=Tag().slugify(label.strip()))
                        .values_list("topic_id", flat=True).first()
                    )
                if existing is None:
                    try:
                        with transaction.atomic():
                            # Tag.save() finds a free slug when two names slugify alike.
                            existing = Tag.objects.create(name=label.strip()).id
                    except IntegrityError:  # created by a concurrent import
                        existing = Tag.objects.get(name__iexact=label.strip()).id
                self.tag_ids[key] = existing

    # -- writing --------------------------------------------------------------------------

    def existing(self, identities, *, lock=False):
        articles = Article.objects.filter(identity_url__in=identities)
        if lock:
            # Held until the batch commits: an editor's save between this read and the write
            # waits, instead of being overwritten (PostgreSQL; SQLite's IMMEDIATE mode already
            # serialises writers). In pk order, so two imports lock rows in the same order.
            articles = articles.select_for_update().order_by("pk")
        return {a.identity_url: a for a in articles}

    def write(self, parsed_items, report):
        """Write one batch (Parsed items with distinct identities) atomically; returns outcomes."""
        for attempt in range(3):
            try:
                with transaction.atomic():
                    return self._write(parsed_items, report)
            except (IntegrityError, OperationalError) as exc:
                # A concurrent import created one of these rows, or PostgreSQL ended a deadlock
                # with it by aborting this batch: try again. The rollback also undid providers and
                # topics this attempt created, so the caches are re-read too.
                if attempt == 2 or not (isinstance(exc, IntegrityError) or _is_deadlock(exc)):
                    raise
                self._load_known()
        return None

    def _write(self, parsed_items, report):
        if connection.vendor == "postgresql":
            # One import batch writes at a time, as SQLite's IMMEDIATE transactions already
            # ensure: a concurrent import's rows are committed and seen before this batch decides
            # what to insert, instead of colliding on the unique identity and retrying.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCH_WRITE_LOCK])
        now = timezone.now()
        records = [item.record for item in parsed_items]
        self._ensure_providers(records)
        self._ensure_topics(records)
        existing = self.existing([r.identity_url for r in records], lock=True)

        outcomes = []
        to_create, to_update, kept_total = [], [], 0
        changed_columns = {}  # columns an update writes -> the articles that need exactly those
        for item in parsed_items:
            record = item.record
            article = existing.get(record.identity_url)
            if article is not None and self._loses_to_later_file(article, item):
                outcomes.append((item, "skipped", f"{article.source_path} (later in this run) wins"))
                continue
            if article is None:
                # A new article is a plain row, not a model instance: building 500 instances
                # per batch cost more than inserting them.
                row = dict(record.fields)
                row.update(
                    identity_url=record.identity_url,
                    provider_id=self.provider_ids[record.provider.domain],
                    slug=article_slug(row["title"]),
                    source_path=item.path,
                    content_hash=item.content_hash,
                    first_imported_at=now,
                    last_imported_at=now,
                    created_at=now,
                    updated_at=now,
                )
                to_create.append((item, row))
                continue
            locked = self._locked_columns(article)
            kept_total += self._count_kept(article, record, locked)
            stored = [getattr(article, name) for name in UPDATED_COLUMNS]
            for name in RECORD_FIELDS:
                if name not in locked:
                    setattr(article, name, record.fields[name])
            if "provider" not in locked:
                article.provider_id = self.provider_ids[record.provider.domain]
            if "slug" not in locked:
                article.slug = article_slug(article.title)
            article.source_path = item.path
            article.content_hash = item.content_hash
            article.last_imported_at = now
            article.updated_at = now
            # Only the columns that changed are written: SQLite rewrites every index entry and
            # fires every trigger of a column named in an UPDATE, changed or not.
            changed = tuple(
                name for name, old in zip(UPDATED_COLUMNS, stored) if old != getattr(article, name)
            )
            to_update.append((item, article))
            changed_columns.setdefault(changed, []).append(article)

        for (_, row), pk in zip(to_create, allocate_ids(Article, len(to_create))):
            row["id"] = pk
        for columns, articles in changed_columns.items():
            ARTICLES.update(articles, columns)
        self._replace_children(
            [(item, row["id"], (), True) for item, row in to_create]
            + [(item, a.pk, a.locked_fields or (), False) for item, a in to_update],
            link_copies=article_copies([row for _, row in to_create], [a for _, a in to_update]),
        )
        # New articles go in after their topic links (foreign keys are checked at commit): the
        # search-index trigger then indexes each article once, with its topics, instead of
        # re-indexing it for every topic link that follows.
        ARTICLES.insert(row for _, row in to_create)
        report.kept_fields += kept_total
        outcomes += [(item, "created", "") for item, _ in to_create]
        outcomes += [(item, "updated", "") for item, _ in to_update]
        return outcomes

    def _loses_to_later_file(self, article, item):
        other = self.run_order.get(article.source_path)
        return other is not None and article.source_path != item.path and other > self.run_order.get(item.path, -1)

    @staticmethod
    def _locked_columns(article):
        columns = set()
        for name in article.locked_fields or ():
            columns.update(LOCK_GROUPS.get(name, (name,)))
        return columns

    def _count_kept(self, article, record, locked):
        kept = 0
        for name in article.locked_fields or ():
            if name in ("topics", "images", "related_links"):
                kept += 1
            elif name == "provider":
                kept += int(article.provider_id != self.provider_ids[record.provider.domain])
            elif name in record.fields:
                kept += int(getattr(article, name) != record.fields[name])
        return kept

    def _replace_children(self, articles, *, link_copies=None):
        """Images, related links and topic links of `articles`: (item, pk, locked fields, is new).

        An updated article's children are rewritten only where the file's differ from the
        stored ones: most changes to a file are to its text, and rewriting equal rows cost most
        of a re-import's time (every topic link deleted and inserted again refreshes the search
        index twice). Untouched rows also keep what editors added (pins, uploaded images).
        link_copies: {pk: columns each topic link copies from its article}, see article_copies."""
        wanted = {name: {} for name in CHILDREN}  # name -> {pk: rows the file gives}
        for item, pk, locked, _ in articles:
            record = item.record
            if "images" not in locked:
                wanted["images"][pk] = [{**data, "article_id": pk, "position": i} for i, data in enumerate(record.images)]
            if "related_links" not in locked:
                wanted["related_links"][pk] = [
                    {
                        **data,
                        "article_id": pk,
                        "position": i,
                        "provider_id": self.provider_ids[data["provider"].domain] if data["provider"] else None,
                    }
                    for i, data in enumerate(record.related)
                ]
            if "topics" not in locked:
                wanted["topics"][pk] = [
                    {"content_object_id": pk, "tag_id": self.tag_ids[label.strip().casefold()], "position": i, "label": label}
                    for i, label in enumerate(record.topics)
                ]
        updated = [pk for _, pk, _, new in articles if not new]
        pinned = set()  # (article, topic) an editor pinned: the pin survives a rewritten topic list
        for name, (model, article_column) in CHILDREN.items():
            rows = wanted[name]
            stale = [pk for pk in updated if pk in rows]
            if not stale:
                continue
            # What the file sets is compared, not what editors add (pins, uploads).
            compared = sorted({key for pk in stale for row in rows[pk] for key in row} - {article_column, "provider"})
            extra = ("tag_id", "pinned") if name == "topics" else ()
            stored = {}
            for row in model.objects.filter(**{f"{article_column}__in": stale}).order_by(article_column, "position").values(
                article_column, *compared, *extra
            ):
                stored.setdefault(row[article_column], []).append(tuple(row[c] for c in compared))
                if extra and row["pinned"]:
                    pinned.add((row[article_column], row["tag_id"]))
            for pk in stale:
                if stored.get(pk, []) == [tuple(r.get(c) for c in compared) for r in rows[pk]]:
                    del rows[pk]  # the same as stored: left alone
            stale = [pk for pk in stale if pk in rows]
            if stale:
                model.objects.filter(**{f"{article_column}__in": stale}).delete()

        IMAGES.insert(row for rows in wanted["images"].values() for row in rows)
        RELATED_LINKS.insert(row for rows in wanted["related_links"].values() for row in rows)
        topics = [row for rows in wanted["topics"].values() for row in rows]
        for link in topics:
            link["pinned"] = (link["content_object_id"], link["tag_id"]) in pinned
            if link_copies is not None:
                link.update(link_copies[link["content_object_id"]])
        ARTICLE_TOPICS.insert(topics)


def article_copies(new_rows, updated):
    """PostgreSQL: {article pk: the columns its topic links copy (ArticleTopic.article_*)}.

    Links written with them leave the statement triggers (migration 0009) nothing to rewrite;
    written empty, each new link would be written twice, through all its indexes. SQLite's row
    triggers fill them whatever is written: None there. Same values as the triggers: heat and
    quality -1 when none.
    """
    if connection.vendor != "postgresql":
        return None

    def copies(is_published, published_at, heat, quality, provider_id):
        return {
            "article_is_published": is_published,
            "article_published_at": published_at,
            "article_heat": -1 if heat is None else heat,
            "article_quality": -1 if quality is None else quality,
            "article_provider_id": provider_id,
        }

    found = {
        row["id"]: copies(row["is_published"], row["published_at"], row["heat"], row["quality"], row["provider_id"])
        for row in new_rows
    }
    for a in updated:
        found[a.pk] = copies(a.is_published, a.published_at, a.heat, a.quality, a.provider_id)
    return found


class Table:
    """Plain INSERT and UPDATE statements for one model, run with executemany (on PostgreSQL,
    one COPY per batch instead: see _copy).

    bulk_create and bulk_update build SQL and prepare every value in Python, which costs more
    than the database's own work here. Rows are dicts of attnames (missing ones take the
    field's default); only values that need it (JSON, timestamps) go through the field.
    """

    def __init__(self, model, *, with_pk=False):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.fields = fields
        self.attnames = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default for f in fields}
        self.prepared = {f.attname: f for f in fields if isinstance(f, (models.JSONField, models.DateTimeField))}

    def _sql_insert(self):
        quote = connection.ops.quote_name
        return "INSERT INTO {} ({}) VALUES ({})".format(
            quote(self.model._meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )

    def _converters(self, conn):
        """attname -> function preparing a value for `conn` (None: passed as it is)."""
        ops, converters = conn.ops, {}
        for attname, field in self.prepared.items():
            if isinstance(field, models.JSONField):
                converters[attname] = _json_converter(ops, field.encoder, as_text=conn.vendor == "postgresql")
            else:
                converters[attname] = _same_as_last(ops.adapt_datetimefield_value)
        return converters

    def _params(self, rows, attnames):
        conn = connections[DEFAULT_DB_ALIAS]  # the real wrapper: the proxy is slow per value
        converters = self._converters(conn)
        # Once per call: rows that lack a column share its default.
        defaults = {attname: self.defaults[attname]() for attname in attnames}
        pick = _picker(attnames)
        convert = [(i, converters[a]) for i, a in enumerate(attnames) if a in converters]
        params = []
        for row in rows:
            values = pick({**defaults, **row})  # in C: no Python step per column
            for i, fn in convert:
                values[i] = fn(values[i])
            params.append(values)
        return params

    def row_of(self, obj):
        return {attname: getattr(obj, attname) for attname in self.attnames}

    def insert(self, rows):
        params = self._params(rows, self.attnames)
        if not params:
            return
        if connection.vendor == "postgresql":
            self._copy(self.model._meta.db_table, self.fields, params)
            return
        with connection.cursor() as cursor:
            cursor.executemany(self._sql_insert(), params)

    @staticmethod
    def _copy(table, fields, params):
        """PostgreSQL: the rows in one COPY, so the statement-level triggers (migration 0009)
        run once for the batch instead of once per row, as they would under executemany."""
        quote = connection.ops.quote_name
        sql = "COPY {} ({}) FROM STDIN".format(quote(table), ", ".join(quote(f.column) for f in fields))
        # Errors come out as Django's (IntegrityError, OperationalError), which Writer.write retries.
        with connection.wrap_database_errors, connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                for row in params:
                    copy.write_row(row)

    def update(self, objs, attnames):
        """UPDATE the given columns of model instances, by primary key."""
        if not objs:
            return
        columns = [self.model._meta.get_field(a.removesuffix("_id") if a.endswith("_id") else a) for a in attnames]
        attnames = [f.attname for f in columns]
        params = [values + [obj.pk] for values, obj in zip(self._params(map(self.row_of, objs), attnames), objs)]
        if connection.vendor == "postgresql":
            self._update_from_copy(columns, params)
            return
        quote = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(self.model._meta.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in columns),
            quote(self.model._meta.pk.column),
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def _update_from_copy(self, columns, params):
        """PostgreSQL: COPY the new values into a scratch table, then one UPDATE ... FROM it
        (one statement, so the triggers run once for the batch)."""
        quote = connection.ops.quote_name
        table, pk = self.model._meta.db_table, self.model._meta.pk
        scratch = quote(f"import_update_{table}")
        names = [quote(f.column) for f in columns]
        with connection.cursor() as cursor:
            # Same column types as the table; no constraints, dropped at the end of the batch.
            cursor.execute("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {}, {} FROM {} WITH NO DATA".format(
                scratch, ", ".join(names), quote(pk.column), quote(table)))
            self._copy(f"import_update_{table}", [*columns, pk], params)
            # The planner then knows it holds a batch, not a table's worth, and goes by primary key.
            cursor.execute(f"ANALYZE {scratch}")
            cursor.execute("UPDATE {} t SET {} FROM {} s WHERE t.{pk} = s.{pk}".format(
                quote(table), ", ".join(f"{n} = s.{n}" for n in names), scratch, pk=quote(pk.column)))
            cursor.execute(f"DROP TABLE {scratch}")


def _picker(names):
    """row dict -> list of its values for `names`, in order."""
    get = operator.itemgetter(*names)
    if len(names) == 1:
        return lambda row: [get(row)]
    return lambda row: list(get(row))


def _json_converter(ops, encoder, *, as_text=False):
    """A JSON column's values -> database values. NULL stays SQL NULL, as
    JSONField.get_db_prep_save does. Empty mappings and lists of text (source_keys, mostly in
    one of a few key orders) are encoded once per batch: they are most of a batch's JSON values.
    as_text: the JSON text itself, for PostgreSQL's COPY (whose text format takes it as it is;
    a Jsonb wrapper per value costs more than the dump)."""
    if as_text:
        dumps = functools.partial(json.dumps, cls=encoder)
    else:
        dumps = functools.partial(ops.adapt_json_value, encoder=encoder)
    known = {}

    def convert(value):
        if value is None:
            return None
        kind = type(value)
        if (kind is dict and not value) or (kind is list and all(type(item) is str for item in value)):
            key = (kind, *value)
            found = known.get(key)
            if found is None:
                found = known[key] = dumps(value)
            return found
        return dumps(value)

    return convert


def _same_as_last(convert):
    """`convert`, answering a repeat of the previous value without converting it again (a
    batch's rows share one `now` in four timestamp columns)."""
    last = [object(), None]  # holds the value: its identity cannot be reused while compared

    def converter(value):
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return converter


def allocate_ids(model, count):
    """`count` fresh primary keys, taken inside the batch's transaction (so rows can be
    inserted with their ids in one executemany, with no RETURNING round trip)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock (IMMEDIATE transactions) is held, so nobody else takes these.
        # sqlite_sequence remembers ids of deleted rows too: they are never handed out again.
        cursor.execute(
            "SELECT max(coalesce((SELECT max(id) FROM {0}), 0),"
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))".format(connection.ops.quote_name(table)),
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


ARTICLES = Table(Article, with_pk=True)
# Child tables an import rewrites: name -> (model, its article column).
CHILDREN = {
    "images": (Image, "article_id"),
    "related_links": (RelatedLink, "article_id"),
    "topics": (ArticleTopic, "content_object_id"),
}
IMAGES = Table(Image)
RELATED_LINKS = Table(RelatedLink)
ARTICLE_TOPICS = Table(ArticleTopic)
UPDATED_COLUMNS = (*RECORD_FIELDS, "provider_id", *PROVENANCE_FIELDS, "updated_at")

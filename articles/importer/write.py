"""Validated records -> database rows, one atomic batch at a time.

A batch is written in one transaction: an error or Ctrl-C leaves every article of
the batch entirely old or entirely new. Provider and topic look-ups are cached for
the whole run, aliases included (a merged or renamed topic's old name, a merged-away
provider's domain: articles/curation.py), so a file naming them lands on the survivor. Children (images, related links, topic links) end up matching the file
exactly, but an updated article's are rewritten only where they differ from the stored
ones, so equal rows keep what editors added (pins, uploads). Editor-locked fields and
children are left alone (articles/locks.py). What the database refuses for one article (a
constraint) is a refusal of that file: the batch is written again without it.
"""

import itertools

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles import db, revisions
from articles.db.bulk import Table, allocate_ids
from articles.locks import kept_count, locked_columns
from articles.models import (
    Article, ArticleTopic, ArticleVersion, Image, Provider, ProviderAlias, RelatedLink, TopicRedirect, alias_key,
)
from articles.slugs import article_slug, provider_slug
from articles.visibility import COPIED_COLUMNS, link_copies

# Article fields an import sets from the file (besides provider and provenance).
RECORD_FIELDS = (
    "title", "web_url", "original_url", "amp_url", "cdn_amp_url", "excerpt", "category",
    "item_type", "published_at", "published_at_offset", "quality", "heat", "is_published",
    "featured_content", "secured", "body", "body_html", "provider_source", "extra", "source_keys",
)
PROVENANCE_FIELDS = ("source_path", "content_hash", "last_imported_at", "slug")


def _is_deadlock(exc):
    # deadlock_detected, serialization_failure: PostgreSQL's "run the transaction again".
    return getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")


class Writer:
    def __init__(self, *, run_order=None):
        # Paths of this run in processing order: a file loses to a later file of the same run.
        self.run_order = run_order or {}
        db.engine().prepare_import(connection)  # e.g. SQLite's page cache and WAL checkpoints
        self._load_known()

    def finish(self):
        """End of the run (also after an error): the connection's import settings are undone
        (on SQLite, the WAL goes back into the database)."""
        db.engine().finish_import(connection)

    def _load_known(self):
        # Aliases first: a live provider or topic wins over an alias of the same spelling.
        self.provider_ids = dict(ProviderAlias.objects.values_list("domain", "provider_id"))
        self.provider_ids.update(Provider.objects.values_list("domain", "id"))
        self.tag_ids = dict(TopicRedirect.objects.exclude(old_key=None).values_list("old_key", "topic_id"))
        self.tag_ids.update((name.casefold(), pk) for name, pk in Tag.objects.values_list("name", "id"))

    # -- look-ups -------------------------------------------------------------------------

    def _ensure_providers(self, records):
        wanted = {}
        for record in records:
            for provider in [record.provider] + [r["provider"] for r in record.related]:
                if provider is not None and provider.domain not in self.provider_ids:
                    wanted.setdefault(provider.domain, provider)
        if wanted:
            # Merged away since the run began: the alias, not a new provider.
            aliases = dict(ProviderAlias.objects.filter(domain__in=wanted).values_list("domain", "provider_id"))
            self.provider_ids.update(aliases)
            wanted = {domain: p for domain, p in wanted.items() if domain not in aliases}
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
                # lock_import_batches (PostgreSQL) and IMMEDIATE transactions (SQLite) mean no other
                # import creates "ai" while this one creates "AI": what this query misses is new.
                existing = Tag.objects.filter(name__iexact=label.strip()).values_list("id", flat=True).first()
                if existing is None:
                    # A topic editors renamed or merged away (since the run began, or known by its
                    # old address only): follow its alias, don't recreate it.
                    existing = (
                        TopicRedirect.objects.filter(
                            Q(old_key=alias_key(label)) | Q(old_slug=Tag().slugify(label.strip()))
                        )
                        .order_by(F("old_key").asc(nulls_last=True))
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
        """Write one batch (Parsed items with distinct identities) atomically; returns outcomes.

        If the database refuses the batch for good, each article is written on its own: the
        one it refuses becomes a refusal of its file, the others are written."""
        for attempt in range(3):
            try:
                return self._write_committed(parsed_items, report)
            except (IntegrityError, DataError, OperationalError) as exc:
                # A concurrent import created one of these rows, or PostgreSQL ended a deadlock
                # with it by aborting this batch: try again. The rollback also undid providers and
                # topics this attempt created, so the caches are re-read too.
                refused = isinstance(exc, (IntegrityError, DataError))
                if not (refused or _is_deadlock(exc)):
                    raise
                self._load_known()
                # Refused again after a fresh look at the rows: an article of the batch is at fault.
                if refused and (attempt or isinstance(exc, DataError)):
                    return self._write_one_by_one(parsed_items, report)
                if attempt == 2:
                    raise

    def _write_one_by_one(self, parsed_items, report):
        outcomes = []
        for item in parsed_items:
            try:
                outcomes += self._write_committed([item], report)
            except (IntegrityError, DataError) as exc:
                self._load_known()
                outcomes.append((item, "refused", refusal(exc)))
        return outcomes

    def _write_committed(self, parsed_items, report):
        """One transaction; what the report counts is added once it committed."""
        with transaction.atomic():
            outcomes, kept, warnings = self._write(parsed_items)
        report.kept_fields += kept
        report.warnings += warnings
        return outcomes

    def _write(self, parsed_items):
        # One import batch writes at a time (SQLite's IMMEDIATE transactions already ensure it):
        # a concurrent import's rows are committed and seen before this batch decides what to
        # insert, instead of colliding on the unique identity and retrying.
        with connection.cursor() as cursor:
            db.engine().lock_import_batches(cursor)
        now = timezone.now()
        records = [item.record for item in parsed_items]
        self._ensure_providers(records)
        self._ensure_topics(records)
        existing = self.existing([r.identity_url for r in records], lock=True)

        outcomes, warnings = [], []
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
            locked = locked_columns(article)
            kept_total += kept_count(article, record.fields, self.provider_ids[record.provider.domain])
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
            warnings=warnings,
        )
        # New articles go in after their topic links (foreign keys are checked at commit): the
        # search-index trigger then indexes each article once, with its topics, instead of
        # re-indexing it for every topic link that follows.
        ARTICLES.insert(row for _, row in to_create)
        VERSIONS.insert(revisions.import_rows(
            [(row, self._topic_ids(item.record)) for item, row in to_create],
            [(a, None if "topics" in (a.locked_fields or ()) else self._topic_ids(item.record)) for item, a in to_update],
            now=now,
        ))
        outcomes += [(item, "created", "") for item, _ in to_create]
        outcomes += [(item, "updated", "") for item, _ in to_update]
        return outcomes, kept_total, warnings

    def _topic_links(self, item, pk, warnings):
        """The file's topic links: a topic named twice (its old name, an alias, and its own) once,
        at its first position."""
        links, seen = [], {}
        for i, label in enumerate(item.record.topics):
            tag_id = self.tag_ids[label.strip().casefold()]
            if tag_id in seen:
                if warnings is not None:
                    warnings.append(
                        f"{item.path}: topics[{i}]: {label!r} is the topic {seen[tag_id]!r} again "
                        "(a renamed or merged topic's old name); kept once"
                    )
                continue
            seen[tag_id] = label
            links.append({"content_object_id": pk, "tag_id": tag_id, "position": i, "label": label})
        return links

    def _topic_ids(self, record):
        # An old name and its topic's own name are one topic: listed once, at its first place.
        return list(dict.fromkeys(self.tag_ids[label.strip().casefold()] for label in record.topics))

    def _loses_to_later_file(self, article, item):
        other = self.run_order.get(article.source_path)
        return other is not None and article.source_path != item.path and other > self.run_order.get(item.path, -1)

    def _replace_children(self, articles, *, link_copies=None, warnings=None):
        """Images, related links and topic links of `articles`: (item, pk, locked fields, is new).

        An updated article's children are rewritten only where the file's differ from the
        stored ones: most changes to a file are to its text, and rewriting equal rows cost most
        of a re-import's time (every topic link deleted and inserted again refreshes the search
        index twice). Untouched rows also keep what editors added (pins, uploaded images).
        link_copies: {pk: columns each topic link copies from its article}, see article_copies.
        warnings: a list that gets "path: message" for topics a file names twice (through an alias)."""
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
                wanted["topics"][pk] = self._topic_links(item, pk, warnings)
        updated = [pk for _, pk, _, new in articles if not new]
        pinned = set()  # (article, topic) an editor pinned: the pin survives a rewritten topic list
        fetched = {}  # (article, image URL) -> its fetch columns: a rewritten image list keeps them
        for name, (model, article_column) in CHILDREN.items():
            rows = wanted[name]
            stale = [pk for pk in updated if pk in rows]
            if not stale:
                continue
            # What the file sets is compared, not what editors add (pins, uploads).
            compared = sorted({key for pk in stale for row in rows[pk] for key in row} - {article_column, "provider"})
            extra = {"topics": ("tag_id", "pinned"), "images": FETCH_COLUMNS}.get(name, ())
            stored = {}
            for row in model.objects.filter(**{f"{article_column}__in": stale}).order_by(article_column, "position").values(
                article_column, *compared, *extra
            ):
                stored.setdefault(row[article_column], []).append(tuple(row[c] for c in compared))
                if name == "topics" and row["pinned"]:
                    pinned.add((row[article_column], row["tag_id"]))
                elif name == "images" and row["fetch_status"] and row["fetch_url"] == row.get("url"):
                    fetched[row[article_column], row.get("url")] = {c: row[c] for c in FETCH_COLUMNS}
            for pk in stale:
                if stored.get(pk, []) == [tuple(r.get(c) for c in compared) for r in rows[pk]]:
                    del rows[pk]  # the same as stored: left alone
            stale = [pk for pk in stale if pk in rows]
            if stale:
                model.objects.filter(**{f"{article_column}__in": stale}).delete()

        IMAGES.insert(
            {**row, **fetched.get((row["article_id"], row.get("url")), {})}
            for rows in wanted["images"].values() for row in rows
        )
        RELATED_LINKS.insert(row for rows in wanted["related_links"].values() for row in rows)
        topics = [row for rows in wanted["topics"].values() for row in rows]
        for link in topics:
            link["pinned"] = (link["content_object_id"], link["tag_id"]) in pinned
            if link_copies is not None:
                link.update(link_copies[link["content_object_id"]])
        ARTICLE_TOPICS.insert(topics)


def refusal(exc):
    """What a person reads when the database refused one article."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"database: refused this article ({reason}); nothing of it was written, the other files were"


def article_copies(new_rows, updated):
    """PostgreSQL: {article pk: the columns its topic links copy (ArticleTopic.article_*)}.

    Links written with them leave the statement triggers (migration 0009) nothing to rewrite;
    written empty, each new link would be written twice, through all its indexes. SQLite's row
    triggers fill them whatever is written: None there. Which columns, and their values, are
    visibility's (link_copies), as the triggers write them.
    """
    if not db.engine().import_writes_link_copies:
        return None
    found = {row["id"]: link_copies(row) for row in new_rows}
    for a in updated:
        found[a.pk] = link_copies({column: getattr(a, column) for column in COPIED_COLUMNS})
    return found


ARTICLES = Table(Article, with_pk=True)
# Child tables an import rewrites: name -> (model, its article column).
CHILDREN = {
    "images": (Image, "article_id"),
    "related_links": (RelatedLink, "article_id"),
    "topics": (ArticleTopic, "content_object_id"),
}
IMAGES = Table(Image)
# What the image fetcher stored about an image's URL (articles/image_jobs.py): kept while the URL is.
FETCH_COLUMNS = ("fetch_url", "fetch_status", "fetch_attempts", "fetch_next_at", "fetch_error", "renditions")
RELATED_LINKS = Table(RelatedLink)
ARTICLE_TOPICS = Table(ArticleTopic)
# Each created or updated article's version, the feed's (articles/revisions.py).
VERSIONS = Table(ArticleVersion)
UPDATED_COLUMNS = (*RECORD_FIELDS, "provider_id", *PROVENANCE_FIELDS, "updated_at")

"""Helpers for the importer's robustness tests: compare stored rows with their source files.

Also runnable against any database, for tests whose imports run in other processes:
    DATABASE_URL=... python -m articles.tests.robustness state DIR [DIR ...]
prints JSON {"state": ..., "problems": [...]}: the stored state without ids and times, and
every article that is not whole or matches none of the files in DIRs with its identity.
`import-pausing` and `edit-title` play an import and an editor racing for one article.
"""

import json
import sys
from decimal import Decimal

if __name__ == "__main__":  # run as a script: Django must be set up before the models load
    import django

    django.setup()

from articles.importer.parse import Parsed, read_and_parse  # noqa: E402
from articles.importer.run import discover  # noqa: E402
from articles.importer.write import RECORD_FIELDS  # noqa: E402
from articles.slugs import article_slug  # noqa: E402

# Generous: the tests' corpora are small; this only has to admit every file they write.
MAX_BYTES = 64 * 1024 * 1024


def parse_sources(paths):
    """identity -> [Parsed, ...] in run order, for every importable file under `paths`."""
    sources = {}
    for path in discover(paths):
        result = read_and_parse(path, max_bytes=MAX_BYTES)
        if isinstance(result, Parsed):
            sources.setdefault(result.record.identity_url, []).append(result)
    return sources


def same_json(value):
    """JSON compared by decimal value: PostgreSQL's jsonb reads 5.9e+16 back as 59000000000000000."""
    if isinstance(value, dict):
        return {key: same_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [same_json(item) for item in value]
    if isinstance(value, float):
        return ("number", Decimal(repr(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return ("number", Decimal(value))
    return value


def mismatches(article, parsed):
    """What differs between a stored article (with its children) and one parsed source file."""
    record = parsed.record
    found = []
    for name in RECORD_FIELDS:
        if same_json(getattr(article, name)) != same_json(record.fields[name]):
            found.append(f"{name}: stored {getattr(article, name)!r} != file {record.fields[name]!r}")
    if article.provider.domain != record.provider.domain:
        found.append(f"provider: {article.provider.domain!r} != {record.provider.domain!r}")
    if article.slug != article_slug(record.fields["title"]):
        found.append(f"slug: {article.slug!r}")
    if (article.source_path, article.content_hash) != (parsed.path, parsed.content_hash):
        found.append(f"provenance: {article.source_path} {article.content_hash[:8]}")

    images = [
        {"url": i.url, "width": i.width, "height": i.height, "is_cached": i.is_cached, "title": i.title,
         "extra": i.extra, "source_keys": i.source_keys}
        for i in sorted(article.images.all(), key=lambda i: i.position)
    ]
    if same_json(images) != same_json(record.images):
        found.append(f"images: stored {images!r} != file {record.images!r}")

    related = []
    for link in sorted(article.related_links.all(), key=lambda r: r.position):
        row = {name: getattr(link, name) for name in record.related[0]} if record.related else {}
        row["provider"] = link.provider.domain if link.provider_id else None
        related.append(row)
    expected = [{**r, "provider": r["provider"].domain if r["provider"] else None} for r in record.related]
    if same_json(related) != same_json(expected):
        found.append(f"related: stored {related!r} != file {expected!r}")

    topics = [
        (t.position, t.label, t.tag.name.casefold())
        for t in sorted(article.topic_links.all(), key=lambda t: t.position)
    ]
    expected = [(i, label, label.strip().casefold()) for i, label in enumerate(record.topics)]
    if topics != expected:
        found.append(f"topics: stored {topics!r} != file {expected!r}")
    return found


def articles_with_children():
    from articles.models import Article

    return Article.objects.select_related("provider").prefetch_related(
        "images", "related_links__provider", "topic_links__tag"
    )


def problems_against(sources):
    """Every stored article must match, whole, one of the files with its identity."""
    problems = []
    for article in articles_with_children():
        candidates = sources.get(article.identity_url, [])
        if not candidates:
            problems.append(f"{article.identity_url}: no source file has this identity")
        elif all(mismatches(article, parsed) for parsed in candidates):
            closest = min((mismatches(article, p) for p in candidates), key=len)
            problems.append(f"{article.identity_url}: matches none of its {len(candidates)} source(s): {closest}")
    return problems


def duplicates():
    """Rows that the natural keys say are one: articles by identity, providers by domain, topics by name."""
    from taggit.models import Tag

    from articles.models import Article, Provider

    found = []
    for label, values in (
        ("article", Article.objects.values_list("identity_url", flat=True)),
        ("provider", Provider.objects.values_list("domain", flat=True)),
        ("topic", [name.casefold() for name in Tag.objects.values_list("name", flat=True)]),
    ):
        values = list(values)
        found += [f"{label} {v!r} is stored twice" for v in sorted(set(values)) if values.count(v) > 1]
    return found


def state():
    """Everything stored, keyed by natural keys, without ids or clock times: equal across runs."""
    from taggit.models import Tag

    from articles.models import Article, Provider

    skip = {"id", "provider_id", "first_imported_at", "last_imported_at", "created_at", "updated_at"}
    articles = {}
    for article in articles_with_children():
        fields = {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields if f.attname not in skip}
        fields["provider"] = article.provider.domain
        fields["images"] = [
            (i.position, i.url, i.width, i.height, i.is_cached, i.title, i.extra)
            for i in sorted(article.images.all(), key=lambda i: i.position)
        ]
        fields["related"] = [
            (r.position, r.title, r.web_url, r.published_at, r.provider.domain if r.provider_id else None, r.images)
            for r in sorted(article.related_links.all(), key=lambda r: r.position)
        ]
        fields["topics"] = [
            (t.position, t.label, t.tag.name, t.pinned) for t in sorted(article.topic_links.all(), key=lambda t: t.position)
        ]
        articles[article.identity_url] = fields
    return json.loads(json.dumps(
        {
            "articles": articles,
            "providers": sorted(Provider.objects.values_list("domain", "name", "slug")),
            "topics": sorted(Tag.objects.values_list("name", "slug")),
        },
        default=str,
    ))


def _wait_for(path, seconds):
    import os
    import time

    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.exists(path)


def import_pausing(signals, paths):
    """Import `paths`, pausing once between reading the stored articles and writing them:
    touch SIGNALS/read, then wait (at most 3 s) for SIGNALS/edited."""
    from articles.importer import import_paths
    from articles.importer.write import Writer

    real = Writer.existing

    def existing(self, identities, **kwargs):
        found = real(self, identities, **kwargs)
        open(f"{signals}/read", "w").close()
        # An editor blocked by the import's lock cannot answer: go on after a while.
        _wait_for(f"{signals}/edited", 3)
        return found

    Writer.existing = existing
    report = import_paths(paths, workers=1)
    print(report.summary())


def edit_title(signals, identity, title):
    """Once SIGNALS/read exists, save a new title and lock it, as the admin does; touch SIGNALS/edited."""
    from articles.models import Article

    assert _wait_for(f"{signals}/read", 60), "the import never read the article"
    article = Article.objects.get(identity_url=identity)
    article.title = title
    article.locked_fields = sorted({*article.locked_fields, "title"})
    article.save(update_fields=["title", "locked_fields"])
    open(f"{signals}/edited", "w").close()


def main(argv):
    """state DIR...  |  import-pausing SIGNALS DIR...  |  edit-title SIGNALS IDENTITY TITLE"""
    command, *args = argv
    if command == "state":
        sources = parse_sources(args)
        json.dump({"state": state(), "problems": problems_against(sources) + duplicates()}, sys.stdout)
    elif command == "import-pausing":
        import_pausing(args[0], args[1:])
    elif command == "edit-title":
        edit_title(*args)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""The project's first yardstick for an import — NOT a bound (issue 19): on 100,000 files of
../shared/perf/gen_corpus.py it made 735 files/s while the importer made 892. Import targets
are ratios to ../shared/perf/bench_sqlite.py (bench/shared_bound.py); bench/run.py runs this
script only when that one is missing, and labels it so.

    python bench/raw_bound.py DB_PATH CORPUS_DIR [CORPUS_DIR ...] [--workers 2]

The same files as the importer, parsed with yaml.CSafeLoader (in the same number of worker
processes the importer uses) and written with plain sqlite3.executemany into tables shaped
like the app's (provider, article, image, related link, topic, article-topic). No
validation, no ORM, no re-import logic: not part of the app. It writes a body column and
more indexes than the shared bound does.
"""

import argparse
import json
import multiprocessing
import os
import sqlite3
import sys
import time

import yaml

SCHEMA = """
CREATE TABLE provider (id INTEGER PRIMARY KEY, name TEXT NOT NULL, domain TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL, logos TEXT NOT NULL);
CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, slug TEXT NOT NULL UNIQUE);
CREATE TABLE article (id INTEGER PRIMARY KEY, identity_url TEXT NOT NULL UNIQUE, web_url TEXT,
    original_url TEXT, amp_url TEXT, cdn_amp_url TEXT, title TEXT NOT NULL, slug TEXT,
    excerpt TEXT, category TEXT, item_type TEXT, published_at TEXT, quality INTEGER, heat INTEGER,
    is_published INTEGER NOT NULL, provider_id INTEGER NOT NULL REFERENCES provider(id),
    featured_content TEXT, secured TEXT, body TEXT NOT NULL, source_path TEXT NOT NULL);
CREATE TABLE image (id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES article(id),
    position INTEGER NOT NULL, url TEXT, width INTEGER, height INTEGER, is_cached INTEGER, title TEXT,
    UNIQUE (article_id, position));
CREATE TABLE related (id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES article(id),
    position INTEGER NOT NULL, title TEXT, excerpt TEXT, published_at TEXT, web_url TEXT,
    amp_url TEXT, cdn_amp_url TEXT, item_type TEXT, provider_id INTEGER REFERENCES provider(id),
    quality INTEGER, images TEXT, UNIQUE (article_id, position));
CREATE TABLE article_topic (id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES article(id),
    tag_id INTEGER NOT NULL REFERENCES tag(id), position INTEGER NOT NULL, label TEXT NOT NULL,
    UNIQUE (article_id, tag_id));
CREATE INDEX article_pub ON article (is_published, published_at);
CREATE INDEX article_provider ON article (provider_id, is_published, published_at);
CREATE INDEX topic_tag ON article_topic (tag_id, article_id);
CREATE INDEX related_url ON related (web_url);
"""

LOADER = yaml.CSafeLoader


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def parse(path):
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8")
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    _, front, body = ("\n" + text).split("\n---\n", 2)
    return path, yaml.load(front, Loader=LOADER), body


def files_in(paths):
    found = []
    for root in paths:
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            found.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith((".txt", ".md", ".markdown")))
    return found


def run(db_path, paths, workers):
    files = files_in(paths)
    if os.path.exists(db_path):
        os.remove(db_path)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
    providers, tags = {}, {}
    article_id = 0

    def provider_id(mapping, rows):
        domain = (mapping.get("domain") or "").lower().removeprefix("www.")
        if domain not in providers:
            providers[domain] = len(providers) + 1
            rows.append((providers[domain], mapping.get("name") or domain, domain, domain.replace(".", "-"),
                         json.dumps(mapping.get("images") or [])))
        return providers[domain]

    def flush(batch):
        nonlocal article_id
        p_rows, t_rows, a_rows, i_rows, r_rows, at_rows = [], [], [], [], [], []
        for path, data, body in batch:
            article_id += 1
            pid = provider_id(data.get("provider") or {}, p_rows)
            a_rows.append((
                article_id, data.get("webUrl") or data.get("originalUrl"), data.get("webUrl"),
                data.get("originalUrl"), data.get("ampWebUrl"), data.get("cdnAmpWebUrl"), data["title"],
                data["title"][:80].lower().replace(" ", "-"), data.get("excerpt"), data.get("category"),
                data.get("type"), _iso(data.get("publishedDateTime")), data.get("quality"), data.get("heat"),
                bool(data.get("published")), pid, data.get("featuredContent"), data.get("secured"), body, path,
            ))
            for n, label in enumerate(data.get("topics") or ()):
                key = label.casefold()
                if key not in tags:
                    tags[key] = len(tags) + 1
                    t_rows.append((tags[key], label, key.replace(" ", "-")))
                at_rows.append((article_id, tags[key], n, label))
            for n, image in enumerate(data.get("images") or ()):
                i_rows.append((article_id, n, image.get("url"), image.get("width"), image.get("height"),
                               image.get("isCached"), image.get("title")))
            for n, rel in enumerate(data.get("related") or ()):
                rpid = provider_id(rel["provider"], p_rows) if rel.get("provider") else None
                r_rows.append((article_id, n, rel.get("title"), rel.get("excerpt"), _iso(rel.get("publishedDateTime")),
                               rel.get("webUrl"), rel.get("ampWebUrl"), rel.get("cdnAmpWebUrl"), rel.get("type"),
                               rpid, rel.get("quality"), json.dumps(rel.get("images"))))
        db.execute("BEGIN")
        db.executemany("INSERT INTO provider VALUES (?,?,?,?,?)", p_rows)
        db.executemany("INSERT INTO tag VALUES (?,?,?)", t_rows)
        db.executemany(f"INSERT INTO article VALUES ({','.join('?' * 20)})", a_rows)
        db.executemany("INSERT INTO image (article_id, position, url, width, height, is_cached, title) "
                       "VALUES (?,?,?,?,?,?,?)", i_rows)
        db.executemany("INSERT INTO related (article_id, position, title, excerpt, published_at, web_url, amp_url, "
                       "cdn_amp_url, item_type, provider_id, quality, images) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", r_rows)
        db.executemany("INSERT INTO article_topic (article_id, tag_id, position, label) VALUES (?,?,?,?)", at_rows)
        db.execute("COMMIT")

    if workers > 1:
        pool = multiprocessing.get_context("fork").Pool(workers)
        results = pool.imap(parse, files, chunksize=32)
    else:
        pool, results = None, map(parse, files)
    batch = []
    for result in results:
        batch.append(result)
        if len(batch) >= 500:
            flush(batch)
            batch = []
    flush(batch)
    if pool is not None:
        pool.close()
        pool.join()
    db.close()
    return len(files)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="SQLite file to (re)create.")
    parser.add_argument("paths", nargs="+", help="Corpus directories.")
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4),
                        help="Parsing processes (default: as the importer, cores up to 4).")
    args = parser.parse_args(argv)
    started = time.monotonic()
    count = run(args.db, args.paths, args.workers)
    elapsed = time.monotonic() - started
    print(f"raw bound: {count:,} files in {elapsed:.2f}s ({count / elapsed:,.0f} files/s)", file=sys.stderr)


if __name__ == "__main__":
    main()

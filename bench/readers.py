#!/usr/bin/env python3
"""A reader beside an import: requests pages continuously until told to stop, records latencies.

    DATABASE_URL=... python bench/readers.py --json OUT.json --stop STOP_FILE --ready READY_FILE

Run by bench/run.py in a subprocess against the database an import is writing: the reader
writes READY_FILE once Django is set up, the harness then starts the import, and creates
STOP_FILE when it is over. Pages (in turn): home, the largest topic, one article, a search —
with django.test.Client in this process and the page cache off, so every request reaches the
database. An error is an exception or a 5xx; a 404 is counted apart (during a first load the
topic and the article do not exist yet at the start).

A second thread polls, every 50 ms, whether a first load's dropped-index table exists
(articles/importer/first_load.py): the time from its first to its last sighting is the window in
which readers are without the article tables' secondary indexes.
"""

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("NEWSROOM_PAGE_CACHE_SECONDS", "0")  # the views, not the cache
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles import db  # noqa: E402
from articles.importer.first_load import PENDING_TABLE  # noqa: E402
from articles.models import Article  # noqa: E402

TOPIC = "/topics/ai/"  # bench/make_corpus.py's largest topic ("AI", on a quarter of the articles)
SEARCH = "/search/?q=" + quote("vaccine")
POLL_SECONDS = 0.05


def watch_indexes(state, stop):
    """Record when the dropped-index table is seen (its own thread, so its own connection)."""
    try:
        while not stop.is_set():
            with connection.cursor() as cursor:
                present = db.engine().table_exists(cursor, PENDING_TABLE)
            now = time.monotonic() - state["started"]
            if present:
                state["window_first"] = state.get("window_first", now)
                state["window_last"] = now
            state["polls"] += 1
            time.sleep(POLL_SECONDS)
    except Exception as exc:  # the poll is a side measurement: say what broke, keep reading
        state["poll_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


def article_url():
    article = Article.objects.published().order_by("id").first()
    return article.get_absolute_url() if article else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", required=True)
    parser.add_argument("--stop", required=True, help="Stop once this file exists.")
    parser.add_argument("--ready", required=True, help="Written once Django is up and the first request done.")
    parser.add_argument("--max-seconds", type=float, default=7200.0, help="Stop anyway after this long.")
    args = parser.parse_args()
    client = Client(raise_request_exception=False)
    try:
        client.get("/")  # templates and URLconf loaded before the clock starts
    except Exception as exc:  # counted below when it happens again; the reader must start
        print(f"warm-up request failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    state = {"started": time.monotonic(), "polls": 0}
    stop = threading.Event()
    watcher = threading.Thread(target=watch_indexes, args=(state, stop), daemon=True)
    watcher.start()
    Path(args.ready).write_text("ready")
    samples = []  # (seconds since start, page, ms, status or None)
    failures = []
    article = None
    turn = 0
    while not Path(args.stop).exists() and time.monotonic() - state["started"] < args.max_seconds:
        if article is None:
            article = article_url()
        pages = [("home", "/"), ("topic", TOPIC), ("search", SEARCH)] + ([("article", article)] if article else [])
        name, url = pages[turn % len(pages)]
        turn += 1
        began = time.monotonic()
        try:
            status = client.get(url).status_code
        except Exception as exc:  # a broken connection or a locked database: an error, keep going
            status = None
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
        samples.append((began - state["started"], name, (time.monotonic() - began) * 1000, status))
        if status is not None and status >= 500:
            failures.append(f"{name} {url}: HTTP {status}")
    stop.set()
    watcher.join(timeout=5)
    ms = sorted(s[2] for s in samples if s[3] is not None and s[3] < 500)

    def pct(p):
        return ms[min(len(ms) - 1, max(0, int(round(p / 100 * len(ms))) - 1))] if ms else None

    result = {
        "requests": len(samples),
        "seconds": time.monotonic() - state["started"],
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": ms[-1] if ms else None,
        "errors": sum(1 for s in samples if s[3] is None or s[3] >= 500),
        "not_found": sum(1 for s in samples if s[3] == 404),
        "by_page": {name: sum(1 for s in samples if s[1] == name) for name in ("home", "topic", "search", "article")},
        "failures": failures[:20],
        "index_window": ({"first_s": state["window_first"], "last_s": state["window_last"],
                          "seconds": state["window_last"] - state["window_first"] + POLL_SECONDS}
                         if "window_first" in state else None),
        "index_polls": state["polls"],
        "poll_error": state.get("poll_error"),
    }
    Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Load test: Newsroom under gunicorn with production settings, read by many clients while an import runs.

    python bench/load_test.py [--clients 50] [--duration 60] [--corpus 10000] [--import-files 10000]

What it does, all on loopback:
1. creates a scratch PostgreSQL database on 127.0.0.1:5432 (user postgres), dropped at the end;
2. writes a corpus of corpus + import-files files with bench/make_corpus.py (reused when present)
   and imports the first `corpus` of them;
3. migrates, collects static files into a temporary directory and starts gunicorn with
   DJANGO_DEBUG=0, a fresh secret key, DJANGO_ALLOWED_HOSTS=127.0.0.1, the page cache on Redis
   database 5, and DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto: every request says
   `X-Forwarded-Proto: https`, as the TLS proxy in front of a real deployment would;
4. starts importing the other `import-files` files, and at the same moment `clients` threads
   (one keep-alive connection each) request a mix of home, topic pages (sorts, pages),
   article pages, provider pages, search and feeds for `duration` seconds;
5. meanwhile, every few seconds, changes one article (retitles it, or unpublishes it) in
   another process, as an editor or an import would, and for the next second requests that
   article on fresh connections: every answer must already be the new one (the new title, or
   404 once unpublished), whichever gunicorn worker gives it (gunicorn's access log names the
   worker of each probe, so the report says how many of the workers were probed);
6. prints throughput, p50/p95/p99 latency, errors and 5xx (overall, per kind of page, and
   during vs after the import) and the coherence probes, and exits 1 if any request failed,
   returned 5xx, or any probe saw a stale page.

Standard library only on the client side (threads + http.client), so nothing extra to install.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
HOST = "127.0.0.1"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Words of bench/make_corpus.py's vocabulary, so searches find something.
SEARCH_WORDS = (
    "vaccine", "quantum", "election", "battery", "privacy", "robot", "climate", "merger",
    "satellite", "wildfire", "inflation", "dataset", "court policy", "open source", "drone camera",
)
# Kind of page -> share of requests. Article and topic pages dominate, as in a news site's logs.
MIX = {
    "home": 15,
    "topic": 25,
    "article": 30,
    "provider": 5,
    "topic-list": 3,
    "search": 10,
    "feed": 12,
}
SORTS = ("latest", "trending", "quality")


def log(message):
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- set-up ---------------------------------------------------------------------------------

def psql(sql):
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{HOST}:5432/postgres", autocommit=True) as conn:
        conn.execute(sql)


def corpus_files(directory):
    return sum(1 for _ in Path(directory).rglob("*.txt")) if Path(directory).exists() else 0


def make_corpus(directory, count):
    # File i depends only on (seed, i): a larger corpus starts with the smaller one.
    if corpus_files(directory) >= count:
        log(f"reusing the corpus in {directory}")
        return
    shutil.rmtree(directory, ignore_errors=True)
    log(f"writing a {count:,}-file corpus into {directory}")
    subprocess.run([PYTHON, str(ROOT / "bench" / "make_corpus.py"), str(directory), "--count", str(count)], check=True)


def folders(directory, first, last):
    """Corpus folders holding files first..last-1 (make_corpus writes 1,000 per folder)."""
    names = sorted(p for p in Path(directory).iterdir() if p.is_dir())
    return [str(p) for p in names[first // 1000:last // 1000]]


def manage(env, *args, **kwargs):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def redis_flush(url):
    """Empty the scratch Redis database so no page cached by an earlier run is served."""
    if not url:
        return
    import redis

    redis.Redis.from_url(url).flushdb()


def wait_until_up(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(http.client.HTTPConnection(HOST, port, timeout=5), "/robots.txt")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within {timeout}s")


# -- requests -------------------------------------------------------------------------------

HEADERS = {"X-Forwarded-Proto": "https", "Accept": "text/html,application/xml", "User-Agent": "newsroom-load-test"}


def fetch(conn, path):
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    return response.status, body, response.getheader("X-Newsroom-Cache")


class Targets:
    """The site's own addresses, read from its sitemaps and pages as a crawler would."""

    def __init__(self, port):
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.articles, self.topics, self.providers = [], [], []
        status, body, _ = fetch(conn, "/sitemap.xml")
        assert status == 200, f"/sitemap.xml: {status}"
        for loc in ET.fromstring(body).iter(f"{SITEMAP_NS}loc"):
            section = urlsplit(loc.text)
            status, body, _ = fetch(conn, section.path + (f"?{section.query}" if section.query else ""))
            assert status == 200, f"{loc.text}: {status}"
            paths = [urlsplit(l.text).path for l in ET.fromstring(body).iter(f"{SITEMAP_NS}loc")]
            for path in paths:
                if path.startswith("/articles/"):
                    self.articles.append(path)
                elif path.startswith("/topics/"):
                    self.topics.append(path)
                elif path.startswith("/providers/"):
                    self.providers.append(path)
        assert self.articles and self.topics and self.providers, "the sitemaps list no pages"
        # How many pages each topic has now (it only grows while the import runs).
        self.topic_pages = {}
        rng = random.Random(5)
        for path in rng.sample(self.topics, min(60, len(self.topics))):
            status, body, _ = fetch(conn, path)
            match = re.search(rb"Page [\d,]+ of ([\d,]+)", body)
            self.topic_pages[path] = int(match.group(1).replace(b",", b"")) if match else 1
        conn.close()

    def pick(self, rng):
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "home":
            path = "/"
        elif kind == "topic":
            topic = rng.choice(list(self.topic_pages))
            page = min(self.topic_pages[topic], rng.choice((1, 1, 1, 2, 3, 5)))
            query = f"?sort={rng.choice(SORTS)}" + (f"&page={page}" if page > 1 else "")
            path = topic + query
        elif kind == "article":
            path = rng.choice(self.articles)
        elif kind == "provider":
            path = rng.choice(self.providers)
        elif kind == "topic-list":
            path = "/topics/" + rng.choice(("", "?sort=size"))
        elif kind == "search":
            path = "/search/?q=" + quote(rng.choice(SEARCH_WORDS))
        else:
            path = rng.choice(("/feed/", "/feed/atom/", rng.choice(list(self.topic_pages)) + "feed/"))
        return kind, path


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (started, kind, seconds, status or None, served from the page cache)
        self.failures = []  # (kind, path, reason): connection errors, timeouts, 4xx/5xx

    def add(self, started, kind, seconds, status, path, reason=None, hit=False):
        with self.lock:
            self.samples.append((started, kind, seconds, status, hit))
            if reason:
                self.failures.append((kind, path, reason))


def client(index, port, targets, recorder, stop_at, max_requests, counter):
    rng = random.Random(1000 + index)
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.monotonic() < stop_at:
        with counter["lock"]:
            if counter["n"] >= max_requests:
                return
            counter["n"] += 1
        kind, path = targets.pick(rng)
        started = time.monotonic()
        try:
            status, _, cache_state = fetch(conn, path)
        except (OSError, http.client.HTTPException) as exc:
            recorder.add(started, kind, time.monotonic() - started, None, path, f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        elapsed = time.monotonic() - started
        reason = None if status == 200 else f"HTTP {status}"
        recorder.add(started, kind, elapsed, status, path, reason, hit=cache_state == "hit")
    conn.close()


# -- cache coherence ------------------------------------------------------------------------

CHANGE = """
from django.db import transaction
from articles.models import Article
from articles.page_cache import content_changed
with transaction.atomic():
    Article.objects.filter(pk={pk}).update(title={title!r}, is_published={published})
    content_changed()
"""


def coherence_probe(port, env, path, stop_at, rounds):
    """Change the article at `path` in another process, then for one second check every answer."""
    pk = int(path.split("/")[2])
    n = 0
    while time.monotonic() < stop_at - 4:
        n += 1
        published = n % 2 == 0  # odd rounds unpublish it, even rounds retitle and republish it
        title = f"Coherence probe {n}"
        manage(env, "shell", "-c", CHANGE.format(pk=pk, title=title, published=published),
               stdout=subprocess.DEVNULL)
        changed = time.monotonic()
        probes = stale = 0
        while time.monotonic() - changed < 1.0:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)  # a fresh one: any worker may take it
            conn.request("GET", path, headers={**HEADERS, "X-Probe": f"{n}-{probes}"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            fresh = (response.status == 200 and title.encode() in body) if published else response.status == 404
            probes += 1
            stale += not fresh
        rounds.append({"round": n, "unpublished": not published, "probes": probes, "stale": stale})
        time.sleep(2)


def probed_workers(access_log):
    """gunicorn worker pids that answered probe requests (from the access log)."""
    pids = set()
    for line in Path(access_log).read_text().splitlines():
        pid, probe = (line.split() + ["-", "-"])[:2]
        if probe != "-":
            pids.add(pid)
    return pids


# -- figures --------------------------------------------------------------------------------

def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def figures(samples, seconds):
    latencies = sorted(s[2] for s in samples)
    errors = sum(1 for s in samples if s[3] != 200)
    server_errors = sum(1 for s in samples if s[3] is not None and s[3] >= 500)
    return {
        "requests": len(samples),
        "throughput": len(samples) / seconds if seconds > 0 else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        "mean_ms": (statistics.fmean(latencies) if latencies else float("nan")) * 1000,
        "errors": errors,
        "5xx": server_errors,
        "cache_hits": sum(1 for s in samples if s[4]) / len(samples) if samples else 0.0,
    }


def row(label, f):
    return (
        f"| {label} | {f['requests']:,} | {f['throughput']:,.1f} | {f['p50_ms']:,.0f} | {f['p95_ms']:,.0f} "
        f"| {f['p99_ms']:,.0f} | {f['max_ms']:,.0f} | {f['cache_hits']:.0%} | {f['errors']} | {f['5xx']} |"
    )


# -- main -----------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load (default 60).")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="Stop after this many requests.")
    parser.add_argument("--corpus", type=int, default=10_000, help="Files imported before the load (default 10,000).")
    parser.add_argument("--import-files", type=int, default=10_000,
                        help="Files imported while the load runs (default 10,000).")
    parser.add_argument("--gunicorn-workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 x cores + 1).")
    parser.add_argument("--corpus-dir", default=str(ROOT / "bench" / "out" / "load-corpus"),
                        help="Where the generated corpus lives (reused when it has the right size).")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5",
                        help="Scratch Redis database (flushed); empty: each worker caches in its own memory.")
    parser.add_argument("--json", help="Also write the figures to this file.")
    args = parser.parse_args(argv)
    if args.corpus % 1000 or args.import_files % 1000:
        parser.error("--corpus and --import-files must be multiples of 1,000 (the corpus's folder size)")

    database = f"newsroom_load_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{database}",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "NEWSROOM_IMPORT_STAGING_DIR": str(workdir / "imports"),
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    make_corpus(args.corpus_dir, args.corpus + args.import_files)
    before = folders(args.corpus_dir, 0, args.corpus)
    during = folders(args.corpus_dir, args.corpus, args.corpus + args.import_files)

    server = importer = None
    psql(f'CREATE DATABASE "{database}"')
    try:
        redis_flush(args.redis_url)
        log(f"scratch database {database}: migrate, collectstatic, check --deploy")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        log(f"importing the first {args.corpus:,} files")
        t0 = time.monotonic()
        manage(env, "import_articles", "--no-progress", *before, stdout=subprocess.DEVNULL)
        log(f"  imported in {time.monotonic() - t0:.1f}s")

        log(f"gunicorn -w {args.gunicorn_workers} on {HOST}:{port}")
        server = subprocess.Popen(
            [GUNICORN, "newsroom.wsgi:application", "-b", f"{HOST}:{port}", "-w", str(args.gunicorn_workers),
             "--timeout", "60", "--log-level", "warning",
             "--access-logfile", str(workdir / "access.log"), "--access-logformat", "%(p)s %({x-probe}i)s %(s)s"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        wait_until_up(port)
        targets = Targets(port)
        log(f"targets: {len(targets.articles):,} articles, {len(targets.topics):,} topics, "
            f"{len(targets.providers):,} providers (from the sitemaps)")

        probe_path = targets.articles.pop()  # load clients never ask for it: it is 404 half the time
        rounds = []
        recorder = Recorder()
        counter = {"lock": threading.Lock(), "n": 0}
        log(f"load: {args.clients} clients for {args.duration:.0f}s while importing {args.import_files:,} more files")
        import_log = open(workdir / "import.log", "w")
        started = time.monotonic()
        # --import-files 0 gives the baseline: the same load with no import beside it.
        command = [PYTHON, "manage.py", "import_articles", "--no-progress", *during] if during else ["true"]
        importer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=import_log, stderr=subprocess.STDOUT)
        stop_at = started + args.duration
        threads = [
            threading.Thread(target=client, args=(i, port, targets, recorder, stop_at, args.max_requests, counter))
            for i in range(args.clients)
        ]
        threads.append(threading.Thread(target=coherence_probe, args=(port, env, probe_path, stop_at, rounds)))
        for thread in threads:
            thread.start()
        import_seconds = None
        while any(t.is_alive() for t in threads):
            if import_seconds is None and importer.poll() is not None:
                import_seconds = time.monotonic() - started
            time.sleep(0.1)
        load_seconds = time.monotonic() - started
        if import_seconds is None:
            log("load finished before the import; waiting for the import")
            importer.wait(timeout=1800)
            import_seconds = time.monotonic() - started
        import_log.close()
        import_ok = importer.returncode == 0
        import_summary = (workdir / "import.log").read_text().strip().splitlines()[-1:] or [""]
        workers_probed = probed_workers(workdir / "access.log")
    finally:
        for proc in (importer, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM) if proc is server else proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        redis_flush(args.redis_url)
        shutil.rmtree(workdir, ignore_errors=True)

    samples = recorder.samples
    overall = figures(samples, load_seconds)
    overlap = min(import_seconds, load_seconds)
    in_import = [s for s in samples if s[0] - started < import_seconds]
    after_import = [s for s in samples if s[0] - started >= import_seconds]
    lines = [
        f"{args.clients} clients, {load_seconds:.1f}s, gunicorn -w {args.gunicorn_workers}, "
        f"page cache {'in Redis' if args.redis_url else 'in each worker memory'}, "
        f"{os.cpu_count()} cores; corpus {args.corpus:,} + {args.import_files:,} imported during the load "
        f"(import took {import_seconds:.1f}s, {'ok' if import_ok else 'FAILED'}: {import_summary[0]})",
        "",
        "| requests | n | req/s | p50 ms | p95 ms | p99 ms | max ms | cache hits | errors | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("all", overall),
    ]
    if during:
        lines.append(row(f"while importing ({overlap:.0f}s)", figures(in_import, overlap)))
    if during and after_import:
        lines.append(row(f"after the import ({load_seconds - overlap:.0f}s)",
                         figures(after_import, load_seconds - overlap)))
    for kind in MIX:
        kind_samples = [s for s in samples if s[1] == kind]
        lines.append(row(kind, figures(kind_samples, load_seconds)))
    stale = sum(r["stale"] for r in rounds)
    lines += [
        "",
        f"Cache coherence: {len(rounds)} changes in another process ({sum(r['unpublished'] for r in rounds)} "
        f"unpublishings); {sum(r['probes'] for r in rounds):,} requests within a second after a change, "
        f"answered by {len(workers_probed)} of {args.gunicorn_workers} workers: {stale} stale.",
    ]
    print("\n".join(lines))
    for kind, path, reason in recorder.failures[:20]:
        print(f"FAILED {kind} {path}: {reason}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "overall": overall, "import_seconds": import_seconds, "load_seconds": load_seconds,
            "import_ok": import_ok, "clients": args.clients,
            "per_kind": {k: figures([s for s in samples if s[1] == k], load_seconds) for k in MIX},
            "coherence": {"rounds": rounds, "workers_probed": len(workers_probed), "stale": stale},
        }, indent=2))
    ok = overall["errors"] == 0 and overall["5xx"] == 0 and import_ok and stale == 0 and bool(rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Newsroom's benchmark: every measurement of issue 5 in one run, printed as a table.

    python bench/run.py                     # full: 10,000 and 100,000 files (make bench)
    python bench/run.py --sizes 10000       # one size, every step
    python bench/run.py --quick             # CI-sized smoke: 1,000 files, fewer requests
    python bench/run.py --skip pg,gunicorn  # leave steps out
    python bench/run.py --profile 3000      # cProfile one import of 3,000 files, print the top costs

Every import runs as `manage.py import_articles` in a subprocess, so wall time, CPU time and
the peak RSS of its whole process tree (parent plus parsing workers, polled from /proc) are
what a user would see. Scratch files (corpora, databases, results) go to bench/out/.
PostgreSQL databases are created and dropped by the harness (bench_newsroom*).
"""

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import make_corpus  # noqa: E402

OUT = ROOT / "bench" / "out"
PY = sys.executable
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# A distinct name (BENCH_PG_DB) keeps two benchmark runs on one server apart.
PG_DB = os.environ.get("BENCH_PG_DB", "bench_newsroom")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SMALL_CORPUS = 1000  # query counts on this are compared with the big corpus (it holds a few CJK titles)
TOUCH_FRACTION = 0.1
PAGES = ("home", "topic p1", "topic p200", "provider", "article", "search", "search typo", "search CJK", "topic feed",
         "api list", "api list deep", "api detail")
SEARCH_PAGES = ("search", "search typo", "search CJK")  # measured on each engine
PAGE_P95_MS = {**{name: 60.0 for name in SEARCH_PAGES}, "api list": 15.0, "api list deep": 15.0, "api detail": 10.0}  # others: 30 ms
SUMMARY = re.compile(
    r"([\d,]+) files?: ([\d,]+) (?:would be )?created, ([\d,]+) (?:would be )?updated, ([\d,]+) unchanged, "
    r"([\d,]+) refused.* in ([\d.]+)s"
)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- running and measuring a subprocess ----------------------------------------------------


def _tree_rss(root_pid):
    """(resident bytes of root_pid and all its descendants, of the largest one), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, largest, stack = 0, 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                rss = int(fh.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            rss = 0
        total += rss
        largest = max(largest, rss)
        stack.extend(children.get(pid, ()))
    return total, largest


def measure(cmd, *, env, timeout=1800, label=""):
    """Run cmd; return wall and CPU seconds, the process tree's peak RSS, exit code and output."""
    log(f"{label}: {' '.join(str(c) for c in cmd[:4])} ...")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stdout_path, stderr_path = OUT / "last.stdout", OUT / "last.stderr"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env, stdout=out, stderr=err)
        peak = peak_one = 0
        while proc.poll() is None:
            tree, one = _tree_rss(proc.pid)
            peak, peak_one = max(peak, tree), max(peak_one, one)
            if time.perf_counter() - started > timeout:
                proc.kill()
                proc.wait()
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": peak / 2**20,
        # Forked workers share pages with their parent, so the tree's sum overstates a little;
        # the largest single process shows where the memory is.
        "peak_rss_one_mb": peak_one / 2**20,
        "returncode": proc.returncode,
        "stdout": stdout_path.read_text(errors="replace")[-4000:],
        "stderr": stderr_path.read_text(errors="replace")[-4000:],
    }
    if proc.returncode != 0:
        log(f"{label}: exit {proc.returncode}\n{result['stderr'][-1500:]}")
    return result


def django_env(database_url):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY="bench-only-not-a-secret",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(OUT / "static"),
        DATABASE_URL=database_url,
        PYTHONWARNINGS="ignore",
    )
    return env


def sqlite_url(path):
    return f"sqlite:///{path}"


def manage(*args):
    return [PY, "manage.py", *args]


# -- databases -----------------------------------------------------------------------------


class SQLite:
    name = "SQLite"

    def __init__(self):
        self.template = OUT / "template.sqlite3"

    def prepare(self):
        _remove_sqlite(self.template)
        result = measure(manage("migrate", "--noinput", "-v0"), env=django_env(sqlite_url(self.template)),
                         label="migrate SQLite template")
        if result["returncode"] != 0:
            raise SystemExit("migrate failed on SQLite")
        _checkpoint(self.template)

    def fresh(self, tag):
        path = OUT / f"db-{tag}.sqlite3"
        _remove_sqlite(path)
        shutil.copyfile(self.template, path)
        return sqlite_url(path)


def _remove_sqlite(path):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _checkpoint(path):
    # Fold the WAL into the main file so that copying the file copies the database.
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()


class PostgreSQL:
    name = "PostgreSQL"

    def __init__(self):
        self.template = f"{PG_DB}_template"

    @staticmethod
    def available():
        try:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
                return True
        except Exception as exc:  # any failure means "skip PostgreSQL", with the reason shown
            log(f"PostgreSQL not available ({exc}); its steps are skipped")
            return False

    @staticmethod
    def admin(sql):
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def prepare(self):
        self.admin(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)")
        self.admin(f"CREATE DATABASE {self.template}")
        result = measure(manage("migrate", "--noinput", "-v0"), env=django_env(f"{PG_SERVER}/{self.template}"),
                         label="migrate PostgreSQL template")
        if result["returncode"] != 0:
            raise SystemExit("migrate failed on PostgreSQL")

    def fresh(self, tag):
        self.admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        self.admin(f"CREATE DATABASE {PG_DB} TEMPLATE {self.template}")
        return f"{PG_SERVER}/{PG_DB}"

    def cleanup(self):
        for name in (PG_DB, self.template):
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- steps ---------------------------------------------------------------------------------


def corpus_dirs(corpus, size):
    return [corpus / f"{k:03d}" for k in range((size + make_corpus.PER_FOLDER - 1) // make_corpus.PER_FOLDER)]


def run_import(paths, database_url, *, label, expect):
    result = measure(manage("import_articles", *paths, "--no-progress", "-v1"), env=django_env(database_url),
                     label=label)
    match = SUMMARY.search(result["stdout"])
    if match:
        files, created, updated, unchanged, refused = (int(g.replace(",", "")) for g in match.groups()[:5])
        result.update(files=files, created=created, updated=updated, unchanged=unchanged, refused=refused,
                      internal_s=float(match.group(6)))
    else:
        result.update(files=0, refused=None)
    result["files_per_s"] = expect / result["wall_s"]
    result["ok"] = result["returncode"] == 0 and result.get("files") == expect and result.get("refused") == 0
    return result


def generate(corpus, size, seed):
    shutil.rmtree(corpus, ignore_errors=True)
    started = time.perf_counter()
    files, written = make_corpus.generate(corpus, size, seed=seed)
    elapsed = time.perf_counter() - started
    log(f"generated {files:,} files ({written / 1e6:,.0f} MB) in {elapsed:.1f}s")
    return {"files": files, "mb": written / 1e6, "wall_s": elapsed, "files_per_s": files / elapsed}


def _generator_version():
    import hashlib

    return hashlib.sha256(Path(make_corpus.__file__).read_bytes()).hexdigest()[:16]


def prepare_corpus(corpus, size, seed, *, fresh=False):
    """Reuse bench/out/corpus when the same generator and seed made at least `size` files
    (its first `size` files are then exactly the corpus of that size); else generate it."""
    stamp = corpus / "corpus.json"
    try:
        made = json.loads(stamp.read_text())
    except (OSError, ValueError):
        made = {}
    if (not fresh and made.get("generator") == _generator_version() and made.get("seed") == seed
            and made.get("count", 0) >= size):
        if made.get("touched"):
            # An earlier run changed 10 %; write those files back as they were.
            make_corpus.generate(corpus, made["count"], seed=seed, touch=TOUCH_FRACTION, touch_round=0)
            made["touched"] = False
            stamp.write_text(json.dumps(made))
        log(f"reusing the {made['count']:,}-file corpus in {corpus} (--fresh-corpus to regenerate)")
        return {"files": size, "mb": made["mb"] * size / made["count"], "wall_s": 0.0, "files_per_s": 0.0,
                "reused": True}
    result = generate(corpus, size, seed)
    stamp.write_text(json.dumps({"generator": _generator_version(), "seed": seed, "count": size,
                                 "mb": result["mb"], "touched": False}))
    return result


def touch_corpus(corpus, size, seed):
    stamp = corpus / "corpus.json"
    made = json.loads(stamp.read_text())
    made["touched"] = True  # written first: an interrupted run still restores the files next time
    stamp.write_text(json.dumps(made))
    touched, _ = make_corpus.generate(corpus, made["count"], seed=seed, touch=TOUCH_FRACTION, touch_round=1)
    return touched


def loaddata_reference(db_url_with_data, sqlite, size):
    fixture = OUT / f"fixture-{size}.json"
    dump = measure(
        manage("dumpdata", "articles.provider", "taggit.tag", "articles.article", "articles.articletopic",
               "articles.image", "articles.relatedlink", "-o", fixture),
        env=django_env(db_url_with_data), label=f"dumpdata {size:,} (not timed)",
    )
    if dump["returncode"] != 0:
        return {"ok": False}
    url = sqlite.fresh(f"loaddata-{size}")
    result = measure(manage("loaddata", fixture, "-v1"), env=django_env(url), label=f"loaddata {size:,}")
    result["articles_per_s"] = size / result["wall_s"]
    result["ok"] = result["returncode"] == 0
    return result


def pages(database_url, requests, label, only=""):
    out = OUT / f"pages-{label}.json"
    out.unlink(missing_ok=True)
    result = measure([PY, "bench/pages.py", "--requests", requests, "--json", out, "--pages", only],
                     env=django_env(database_url), label=f"pages ({label}, {requests} requests each)")
    if result["returncode"] != 0 or not out.exists():
        return None
    return json.loads(out.read_text())


def gunicorn_throughput(database_url, urls, *, requests, threads=4, seconds=10.0):
    """Requests/s per page through gunicorn (2 workers) on loopback, from a bounded threaded client."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = django_env(database_url)
    # Plain http on loopback (no https redirect), and the views rather than the page cache,
    # like the in-process timings.
    env.update(DJANGO_SECURE_SSL_REDIRECT="0", NEWSROOM_PAGE_CACHE_SECONDS="0", NEWSROOM_API_REQUESTS_PER_MINUTE="0")
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "newsroom.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(OUT / "gunicorn.log", "wb"),
    )
    results = {}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            log("gunicorn did not start; see bench/out/gunicorn.log")
            return {}
        for name, url in urls.items():
            if url is None:
                continue
            _fetch(port, url)  # warm both workers' caches a little
            _fetch(port, url)
            results[name] = _hammer(port, url, requests=requests, threads=threads, seconds=seconds)
            log(f"gunicorn {name}: {results[name]['rps']:.0f} req/s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def _fetch(port, url):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _hammer(port, url, *, requests, threads, seconds):
    """At most `requests` requests or `seconds` seconds, whichever ends first: always bounded."""
    lock = threading.Lock()
    state = {"left": requests, "done": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if state["left"] <= 0:
                    return
                state["left"] -= 1
            try:
                ok = _fetch(port, url) == 200
            except OSError:
                ok = False
            with lock:
                state["done" if ok else "errors"] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests": state["done"], "errors": state["errors"], "seconds": elapsed,
            "rps": state["done"] / elapsed if elapsed else 0.0}


# -- the machine ---------------------------------------------------------------------------


def machine():
    info = {
        "nproc": os.cpu_count(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_before": os.getloadavg()[0],
        "cpu": "",
        "postgresql": "n/a",
    }
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # PostgreSQL is optional for the harness
        pass
    return info


# -- the report ----------------------------------------------------------------------------


def fmt_rate(x):
    return f"{x:,.0f}/s" if x is not None else "n/a"


def evaluate(r):
    """(target, measured, required, ratio, verdict) rows. Ratio = measured ÷ required."""
    rows = []

    def row(target, measured, required, *, higher_is_better, unit=""):
        if measured is None or required is None:
            rows.append((target, "n/a", "n/a", "", "n/a"))
            return
        ratio = measured / required if required else float("inf")
        ok = measured >= required if higher_is_better else measured <= required
        sign = "≥" if higher_is_better else "≤"
        rows.append((target, f"{measured:,.1f}{unit}", f"{sign} {required:,.1f}{unit}", f"{ratio:.2f}×",
                     "PASS" if ok else "FAIL"))

    sizes = sorted(int(s) for s in r["import"]["SQLite"])
    big = sizes[-1] if sizes else None
    sq = r["import"]["SQLite"].get(str(big), {}) if big else {}
    rate = sq.get("files_per_s") if sq.get("ok") else None
    raw = r["raw"].get(str(big), {}).get("files_per_s")
    load = r.get("loaddata", {}).get("articles_per_s")
    rows.append((f"— import of {big:,} files (SQLite)" if big else "— import", "", "", "", ""))
    row("files/s ≥ 2,000", rate, 2000, higher_is_better=True, unit=" files/s")
    row("≥ 0.75 × raw bound", rate, 0.75 * raw if raw else None, higher_is_better=True, unit=" files/s")
    row("≥ 4 × loaddata (per article)", rate, 4 * load if load else None, higher_is_better=True, unit=" files/s")
    rss = sq.get("peak_rss_mb") if sq.get("ok") else None
    row("peak RSS ≤ 250 MB", rss, 250, higher_is_better=False, unit=" MB")
    ref = r["import"]["SQLite"].get("10000", {})
    row("peak RSS ≤ 1.3 × the 10,000 figure", rss if big != 10000 else None,
        1.3 * ref["peak_rss_mb"] if ref.get("ok") and big != 10000 else None, higher_is_better=False, unit=" MB")
    re_ = r.get("reimport", {})
    unchanged = re_.get("unchanged", {})
    row("unchanged re-import ≥ 20,000 files/s",
        unchanged.get("files_per_s") if unchanged.get("ok") else None, 20000, higher_is_better=True, unit=" files/s")
    changed = re_.get("changed", {})
    if changed.get("ok") and unchanged.get("ok") and rate:
        budget = 1.5 * (0.1 * sq["wall_s"] + unchanged["wall_s"])
        row("10 %-changed re-import ≤ 1.5 × (0.1 × import + unchanged)", changed["wall_s"], budget,
            higher_is_better=False, unit=" s")
    else:
        row("10 %-changed re-import ≤ 1.5 × (0.1 × import + unchanged)", None, None, higher_is_better=False)
    pg = r["import"].get("PostgreSQL", {}).get(str(big), {})
    row("PostgreSQL import time ≤ 1.5 × SQLite's", pg.get("wall_s") if pg.get("ok") else None,
        1.5 * sq["wall_s"] if sq.get("ok") else None, higher_is_better=False, unit=" s")
    pages_big = (r.get("pages") or {}).get("big") or {}
    pages_small = (r.get("pages") or {}).get("small") or {}
    rows.append((f"— pages at {pages_big.get('articles', 0):,} articles (SQLite)", "", "", "", ""))
    for name in PAGES:
        page = pages_big.get("pages", {}).get(name, {})
        limit = PAGE_P95_MS.get(name, 30.0)
        row(f"{name}: p95 ≤ {limit:.0f} ms", page.get("p95_ms"), limit if page.get("p95_ms") is not None else None,
            higher_is_better=False, unit=" ms")
    pages_pg = (r.get("pages_pg") or {}).get("pages", {})
    if pages_pg:
        rows.append((f"— search on PostgreSQL at {r['pages_pg'].get('articles', 0):,} articles", "", "", "", ""))
        for name in SEARCH_PAGES:
            page = pages_pg.get(name, {})
            row(f"{name} (PostgreSQL): p95 ≤ {PAGE_P95_MS[name]:.0f} ms", page.get("p95_ms"),
                PAGE_P95_MS[name] if page.get("p95_ms") is not None else None, higher_is_better=False, unit=" ms")
    for name in PAGES:
        big_p = pages_big.get("pages", {}).get(name, {})
        small_p = pages_small.get("pages", {}).get(name, {})
        big_q, small_q = big_p.get("queries"), small_p.get("queries")
        target = f"{name}: queries equal, small vs big corpus"
        if big_q is None or small_q is None or big_p.get("status") != 200 or small_p.get("status") != 200:
            rows.append((target, "n/a", "", "", "n/a"))
        else:
            rows.append((target, f"{small_q} vs {big_q}", "equal", "", "PASS" if small_q == big_q else "FAIL"))
    return rows


def report(r):
    lines = []
    m = r["machine"]
    lines.append(
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']:.1f} GiB, Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}; load average at start {m['load_before']:.2f}"
    )
    if r.get("corpus"):
        c = r["corpus"]
        made = "reused from an earlier run" if c.get("reused") else (
            f"generated in {c['wall_s']:.1f}s ({c['files_per_s']:,.0f} files/s)")
        lines.append(f"Corpus: {c['files']:,} files, {c['mb']:,.0f} MB, {made}")
    lines.append("")
    lines.append("| measurement | files | wall s | CPU s | files/s | peak RSS MB (tree / largest process) | note |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")

    def add(name, files, m, note=""):
        if not m:
            lines.append(f"| {name} | {files:,} | n/a | | | | skipped |")
            return
        bad = "" if m.get("ok", m.get("returncode") == 0) else " **failed**"
        lines.append(
            f"| {name} | {files:,} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {files / m['wall_s']:,.0f} | "
            f"{m['peak_rss_mb']:.0f} / {m.get('peak_rss_one_mb', 0):.0f} | {note}{bad} |"
        )

    for engine, by_size in r["import"].items():
        for size, m in sorted(by_size.items(), key=lambda kv: int(kv[0])):
            note = f"import's own timer {m['internal_s']:.1f}s" if "internal_s" in m else ""
            add(f"import, fresh {engine}", int(size), m, note)
    for kind in ("unchanged", "changed"):
        m = r.get("reimport", {}).get(kind)
        if m:
            note = (f"{m.get('updated', 0):,} updated, {m.get('unchanged', 0):,} unchanged"
                    f"; own timer {m.get('internal_s', 0):.1f}s")
            add(f"re-import, {kind} corpus (SQLite)", r["reimport"]["size"], m, note)
    for size, m in sorted(r["raw"].items(), key=lambda kv: int(kv[0])):
        add("raw bound (CSafeLoader + sqlite3.executemany)", int(size), m)
    if r.get("loaddata"):
        m = r["loaddata"]
        add("loaddata of the same articles (JSON fixture)", r["loaddata"]["size"], m, "rate = articles/s")
    big = (r.get("pages") or {}).get("big")
    requested = r.get("requests", 0)
    if big:
        lines.append("")
        lines.append(f"Pages at {big['articles']:,} articles ({big['published']:,} published); "
                     f"in-process django.test.Client, then gunicorn -w 2 on loopback:")
        lines.append("")
        lines.append("| page | URL | median ms | p95 ms | queries (small / big) | gunicorn req/s |")
        lines.append("|---|---|---:|---:|---:|---:|")
        small = (r["pages"].get("small") or {}).get("pages", {})
        for name in PAGES:
            page = big["pages"].get(name, {})
            if page.get("url") is None:
                lines.append(f"| {name} | n/a (view not there yet) | n/a | n/a | n/a | n/a |")
                continue
            g = (r.get("gunicorn") or {}).get(name)
            rps = f"{g['rps']:.0f}" if g else "n/a"
            status = "" if page.get("status") == 200 else f" **HTTP {page.get('status')}**"
            timing = (f"{page['median_ms']:.1f} | {page['p95_ms']:.1f}" if "p95_ms" in page else "n/a | n/a")
            if "p95_ms" in page and page["requests"] < requested:
                timing += f" ({page['requests']} requests: time cap)"
            lines.append(
                f"| {name} | `{page['url']}`{status} | {timing} | "
                f"{small.get(name, {}).get('queries', 'n/a')} / {page.get('queries')} | "
                f"{rps} |"
            )
    pg_pages = (r.get("pages_pg") or {}).get("pages")
    if pg_pages:
        lines.append("")
        lines.append(f"Search on PostgreSQL at {r['pages_pg']['articles']:,} articles (in-process django.test.Client):")
        lines.append("")
        lines.append("| page | URL | median ms | p95 ms | queries |")
        lines.append("|---|---|---:|---:|---:|")
        for name in SEARCH_PAGES:
            page = pg_pages.get(name, {})
            status = "" if page.get("status") == 200 else f" **HTTP {page.get('status')}**"
            timing = (f"{page['median_ms']:.1f} | {page['p95_ms']:.1f}" if "p95_ms" in page else "n/a | n/a")
            lines.append(f"| {name} | `{page.get('url')}`{status} | {timing} | {page.get('queries')} |")
    lines.append("")
    lines.append("| target | measured | required | ratio | verdict |")
    lines.append("|---|---:|---:|---:|---|")
    for target, measured, required, ratio, verdict in evaluate(r):
        lines.append(f"| {target} | {measured} | {required} | {ratio} | {verdict} |")
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------


def profile(count, seed):
    corpus = OUT / f"corpus-profile-{count}"
    generate(corpus, count, seed=seed)
    sqlite = SQLite()
    sqlite.prepare()
    url = sqlite.fresh("profile")
    prof = OUT / "import.prof"
    result = measure([PY, "-m", "cProfile", "-o", prof, "manage.py", "import_articles", corpus, "--no-progress",
                      "--workers", "1"], env=django_env(url), label=f"cProfile import of {count:,} files")
    if result["returncode"] != 0:
        raise SystemExit("the profiled import failed")
    import pstats

    for key in ("cumulative", "tottime"):
        print(f"\n== top by {key} (one process, --workers 1; {prof}) ==")
        pstats.Stats(str(prof)).sort_stats(key).print_stats(30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="Comma-separated corpus sizes, multiples of 1,000 (default 10000,100000).")
    parser.add_argument("--quick", action="store_true", help="Smoke run: 1,000 files, 50 requests per page.")
    parser.add_argument("--requests", type=int, default=200, help="Timed in-process requests per page.")
    parser.add_argument("--skip", default="",
                        help="Steps to leave out: pg, raw, loaddata, reimport, pages, gunicorn (comma-separated).")
    parser.add_argument("--seed", type=int, default=1, help="Corpus seed.")
    parser.add_argument("--profile", type=int, metavar="N", help="Only profile one import of N files.")
    parser.add_argument("--fresh-corpus", action="store_true", help="Regenerate the corpus even if one can be reused.")
    parser.add_argument("--keep-pg", action="store_true", help="Leave the bench_newsroom databases in place.")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.profile:
        return profile(args.profile, args.seed)

    sizes = [1000] if args.quick else sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if any(s <= 0 or s % make_corpus.PER_FOLDER for s in sizes):
        parser.error("--sizes must be positive multiples of 1,000")
    requests = 50 if args.quick else args.requests
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    big = sizes[-1]
    started = time.perf_counter()

    r = {"sizes": sizes, "requests": requests, "machine": machine(), "import": {"SQLite": {}}, "raw": {}}
    if r["machine"]["load_before"] > 0.5:
        log(f"warning: load average {r['machine']['load_before']:.2f}: other work on this machine skews timings")
    corpus = OUT / "corpus"
    r["corpus"] = prepare_corpus(corpus, big, args.seed, fresh=args.fresh_corpus)
    small_corpus = OUT / "corpus-small"
    generate(small_corpus, SMALL_CORPUS, args.seed)

    sqlite = SQLite()
    sqlite.prepare()
    pg = PostgreSQL() if "pg" not in skip and PostgreSQL.available() else None
    if pg:
        pg.prepare()
        r["import"]["PostgreSQL"] = {}

    for size in sizes:
        r["import"]["SQLite"][str(size)] = run_import(
            corpus_dirs(corpus, size), sqlite.fresh(size), label=f"import {size:,} (SQLite)", expect=size)
        if "raw" not in skip:
            raw = measure([PY, "bench/raw_bound.py", OUT / f"raw-{size}.sqlite3", *corpus_dirs(corpus, size)],
                          env=django_env(""), label=f"raw bound {size:,}")
            raw["files_per_s"] = size / raw["wall_s"]
            raw["ok"] = raw["returncode"] == 0
            r["raw"][str(size)] = raw
        if pg:
            r["import"]["PostgreSQL"][str(size)] = run_import(
                corpus_dirs(corpus, size), pg.fresh(size), label=f"import {size:,} (PostgreSQL)", expect=size)

    if "loaddata" not in skip:
        ref = 10000 if 10000 in sizes else sizes[0]
        if r["import"]["SQLite"][str(ref)]["ok"]:
            r["loaddata"] = loaddata_reference(sqlite_url(OUT / f"db-{ref}.sqlite3"), sqlite, ref)
            r["loaddata"]["size"] = ref

    big_url = sqlite_url(OUT / f"db-{big}.sqlite3")
    if "reimport" not in skip and r["import"]["SQLite"][str(big)]["ok"]:
        r["reimport"] = {"size": big}
        r["reimport"]["unchanged"] = run_import(corpus_dirs(corpus, big), big_url,
                                                label=f"re-import unchanged {big:,}", expect=big)
        touch_corpus(corpus, big, args.seed)
        # A reused, larger corpus is touched over its whole range: count only this run's files.
        expected = sum(1 for i in make_corpus.touched_indices(
            json.loads((corpus / "corpus.json").read_text())["count"], TOUCH_FRACTION, args.seed) if i < big)
        log(f"touched {expected:,} of the {big:,} files")
        changed = run_import(corpus_dirs(corpus, big), big_url, label=f"re-import {expected:,} changed", expect=big)
        changed["ok"] = changed["ok"] and changed.get("updated") == expected
        r["reimport"]["touched"] = expected
        r["reimport"]["changed"] = changed

    if "pages" not in skip:
        measure(manage("collectstatic", "--noinput", "-v0"), env=django_env(big_url), label="collectstatic")
        small_url = sqlite.fresh("small")
        run_import([small_corpus], small_url, label=f"import {SMALL_CORPUS} (small, for query counts)",
                   expect=SMALL_CORPUS)
        r["pages"] = {"small": pages(small_url, 0, "small"), "big": pages(big_url, requests, "big")}
        if "gunicorn" not in skip and r["pages"]["big"]:
            urls = {name: p.get("url") for name, p in r["pages"]["big"]["pages"].items() if p.get("status") == 200}
            r["gunicorn"] = gunicorn_throughput(big_url, urls, requests=100 if args.quick else 400,
                                                seconds=5 if args.quick else 10)

    if pg and "pages" not in skip and r["import"]["PostgreSQL"][str(big)]["ok"]:
        # Search on the production engine too: the last import left the big corpus in PG_DB.
        r["pages_pg"] = pages(f"{PG_SERVER}/{PG_DB}", requests, "big-postgresql", only="search")

    if pg and not args.keep_pg:
        pg.cleanup()
    r["total_s"] = time.perf_counter() - started
    r["machine"]["load_after"] = os.getloadavg()[0]
    text = report(r)
    print(text)
    print(f"\nTotal run time {r['total_s'] / 60:.1f} min; load average at end {r['machine']['load_after']:.2f}.")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"results-{stamp}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(r, indent=2, default=str))
    (OUT / "latest.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

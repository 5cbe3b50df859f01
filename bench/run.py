#!/usr/bin/env python3
"""Newsroom's benchmark: every measurement of issues 5 and 19 in one run, printed as a table.

    python bench/run.py                     # full: 10,000 and 100,000 files (make bench)
    python bench/run.py --sizes 1000000     # a million files (make bench-1m; hours, see docs/benchmarks.md)
    python bench/run.py --sizes 10000       # one size, every step
    python bench/run.py --quick             # CI-sized smoke: 1,000 files, fewer requests
    python bench/run.py --skip pg,serving   # leave steps out
    python bench/run.py --write-docs        # also insert the tables into docs/benchmarks.md
    python bench/run.py --profile 3000      # cProfile one import of 3,000 files, print the top costs

Every import runs as `manage.py import_articles` in a subprocess, so wall time, CPU time and
the peak RSS of its whole process tree (parent plus parsing workers, polled from /proc) are
what a user would see. Import ratios are to the shared raw bound (../shared/perf/bench_sqlite.py,
bench/shared_bound.py), measured in the same run on the harness's corpus and on the shared
gen_corpus.py's; page timings are normalised by it (bench/report.py). Scratch files (corpora,
databases, results) go to bench/out/. PostgreSQL databases are created and dropped by the
harness (BENCH_PG_DB, default bench_newsroom, and names starting with it).
"""

import argparse
import http.client
import json
import os
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

from bench import make_corpus, report, serving, shared_bound  # noqa: E402

OUT = ROOT / "bench" / "out"
PY = sys.executable
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# A distinct name (BENCH_PG_DB) keeps two benchmark runs on one server apart.
PG_DB = os.environ.get("BENCH_PG_DB", "bench_newsroom")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SMALL_CORPUS = 200  # query counts on this are compared with the big corpus (issue 19: from 200 articles up)
CJK_BIT = "北京の市場"  # the small corpus takes the first files whose title holds it, so "search CJK" finds some
TOUCH_FRACTION = 0.1
NORMALISATION_FILES = 100_000  # the shared bound's reference corpus size (issue 19)
# The reader pages served from the page cache in the serving step (not the API, not the admin).
CACHED_PAGES = ("home", "topic p1", "topic archive", "provider", "article", "topic feed", "search")
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


def measure(cmd, *, env, timeout=6 * 3600, label=""):
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

    @staticmethod
    def drop(url):
        """Remove a scratch database: at a million files each is several GB."""
        _remove_sqlite(url.removeprefix("sqlite:///"))


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
        self.made = set()

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

    def fresh(self, tag=None):
        """A migrated, empty database: PG_DB itself (the big one, kept for pages), or PG_DB_<tag>."""
        name = f"{PG_DB}_{tag}" if tag else PG_DB
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        self.made.add(name)
        return f"{PG_SERVER}/{name}"

    def drop(self, url):
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.made.discard(name)

    def cleanup(self):
        for name in (*self.made, self.template):
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
        serving.stop(server)
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


# -- the shared raw bound and its corpus (issue 19) ----------------------------------------


def small_corpus(seed):
    """200 files for query counts: the first ones, led by the first few whose title holds the
    CJK bit, so that every page (CJK search included) has results at 200 articles too."""
    source, target = OUT / "corpus-small-source", OUT / "corpus-small"
    make_corpus.generate(source, 1000, seed=seed)
    files = sorted((source / "000").glob("*.txt"))
    cjk = [f for f in files if CJK_BIT in f.read_text(encoding="utf-8-sig")][:3]
    chosen = (cjk + [f for f in files if f not in cjk])[:SMALL_CORPUS]
    shutil.rmtree(target, ignore_errors=True)
    (target / "000").mkdir(parents=True)
    for f in chosen:
        shutil.copyfile(f, target / "000" / f.name)
    return target


def harness_dir(corpus, size):
    """One directory holding exactly the first `size` harness files (the shared bound takes one
    directory): the corpus itself, or hard links to its first folders (no copy)."""
    made = json.loads((corpus / "corpus.json").read_text())
    if made["count"] == size:
        return corpus
    target = OUT / f"corpus-{size}"
    shutil.rmtree(target, ignore_errors=True)  # cheap to redo; never stale after a --fresh-corpus
    for folder in corpus_dirs(corpus, size):
        (target / folder.name).mkdir(parents=True)
        for entry in os.scandir(folder):
            os.link(entry.path, target / folder.name / entry.name)
    return target


def run_bound(corpus_dir, files, label, *, adapted=False):
    """The shared bound (`bench_sqlite.py --workers 2`) on one directory; its database is
    thrown away. files/s come from its RESULT line (start-up excluded, as its README measures)."""
    db_path = OUT / "bound.sqlite3"
    result = measure(shared_bound.bound_command(PY, corpus_dir, db_path, adapted=adapted), env=django_env(""),
                     label=label)
    _remove_sqlite(db_path)
    parsed = shared_bound.parse_result(result["stdout"])
    result["ok"] = result["returncode"] == 0 and parsed is not None and parsed["files"] == files
    result["files"] = files
    result["adapted"] = adapted
    if parsed:
        result.update(fps=parsed["fps"], bound_secs=parsed["secs"])
    return result


def run_project_bound(paths, files, label):
    """The fallback when the shared bound is missing: bench/raw_bound.py (not a bound, issue 19)."""
    db_path = OUT / "raw-bound.sqlite3"
    result = measure([PY, "bench/raw_bound.py", db_path, *paths], env=django_env(""), label=label)
    _remove_sqlite(db_path)
    result.update(ok=result["returncode"] == 0, files=files, fps=files / result["wall_s"], fallback=True)
    return result


# -- reading while writing (issue 19) ------------------------------------------------------


def import_with_readers(paths, database_url, *, label, expect):
    """run_import with bench/readers.py requesting pages from the same database throughout."""
    ready, stop, out = OUT / "reader.ready", OUT / "reader.stop", OUT / "reader.json"
    for path in (ready, stop, out):
        path.unlink(missing_ok=True)
    with open(OUT / "reader.log", "wb") as reader_log:
        reader = subprocess.Popen([PY, "bench/readers.py", "--json", out, "--stop", stop, "--ready", ready],
                                  cwd=ROOT, env=django_env(database_url), stdout=reader_log, stderr=reader_log)
    deadline = time.monotonic() + 120
    while not ready.exists() and reader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if not ready.exists():
        log("the reader did not start; see bench/out/reader.log")
        reader.kill()
        reader.wait()
        result = run_import(paths, database_url, label=label, expect=expect)
        result.update(expect=expect, readers=None)
        return result
    result = run_import(paths, database_url, label=label, expect=expect)
    stop.write_text("stop")
    try:
        reader.wait(timeout=300)
    except subprocess.TimeoutExpired:
        reader.kill()
        reader.wait()
    result["expect"] = expect
    result["readers"] = json.loads(out.read_text()) if out.exists() else None
    if result["readers"]:
        d = result["readers"]
        log(f"{label}: reader {d['requests']:,} requests, p99 {d['p99_ms'] or 0:.0f} ms, {d['errors']} errors")
    return result


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
                        help="Steps to leave out (comma-separated): pg, bound, gen, loaddata, reimport, readers, "
                             "pages, gunicorn, serving.")
    parser.add_argument("--rw-files", type=int, default=None,
                        help="Files of the first load the reader runs beside (default: the largest size, "
                             f"at most {NORMALISATION_FILES:,}).")
    parser.add_argument("--seed", type=int, default=1, help="Corpus seed.")
    parser.add_argument("--profile", type=int, metavar="N", help="Only profile one import of N files.")
    parser.add_argument("--fresh-corpus", action="store_true", help="Regenerate the corpus even if one can be reused.")
    parser.add_argument("--keep-pg", action="store_true", help="Leave the bench_newsroom databases in place.")
    parser.add_argument("--write-docs", action="store_true",
                        help="Insert this run's tables as a dated section into docs/benchmarks.md.")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.profile:
        return profile(args.profile, args.seed)

    sizes = [1000] if args.quick else sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if any(s <= 0 or s % make_corpus.PER_FOLDER for s in sizes):
        parser.error("--sizes must be positive multiples of 1,000")
    requests = 50 if args.quick else args.requests
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if "raw" in skip:  # the step's earlier name
        skip.add("bound")
    big = sizes[-1]
    rw_files = min(args.rw_files or min(big, NORMALISATION_FILES), big)
    if rw_files % make_corpus.PER_FOLDER:
        parser.error("--rw-files must be a multiple of 1,000")
    started = time.perf_counter()

    r = {"sizes": sizes, "requests": requests, "machine": report.machine(PG_SERVER), "import": {"SQLite": {}},
         "bound": {"harness": {}}, "readers": {}}
    if r["machine"]["load_before"] > 0.5:
        log(f"warning: load average {r['machine']['load_before']:.2f}: other work on this machine skews timings")
    corpus = OUT / "corpus"
    r["corpus"] = prepare_corpus(corpus, big, args.seed, fresh=args.fresh_corpus)
    small = small_corpus(args.seed)
    shared = shared_bound.perf_dir() if "bound" not in skip else None
    if "bound" not in skip and shared is None:
        r["bound"]["fallback"] = ("no bench_sqlite.py and gen_corpus.py in "
                                  f"{os.environ.get('NEWSROOM_SHARED_PERF') or ROOT.parent / 'shared' / 'perf'}")
        log(f"THE SHARED RAW BOUND IS MISSING ({r['bound']['fallback']}; set NEWSROOM_SHARED_PERF): falling back "
            "to bench/raw_bound.py, which is not a bound, and nothing is normalised")
    gen = None
    if shared and "gen" not in skip:
        gen, r["gen_corpus"] = shared_bound.prepare_gen_corpus(OUT, big, python=PY, seed=args.seed, log=log)

    sqlite = SQLite()
    sqlite.prepare()
    # Static files first: every page with DEBUG off (the readers' too) needs their manifest.
    measure(manage("collectstatic", "--noinput", "-v0"), env=django_env(sqlite_url(sqlite.template)),
            label="collectstatic")
    pg = PostgreSQL() if "pg" not in skip and PostgreSQL.available() else None
    if pg:
        pg.prepare()
        r["import"]["PostgreSQL"] = {}

    for size in sizes:
        r["import"]["SQLite"][str(size)] = run_import(
            corpus_dirs(corpus, size), sqlite.fresh(size), label=f"import {size:,} (SQLite)", expect=size)
        if shared:
            r["bound"]["harness"][str(size)] = run_bound(harness_dir(corpus, size), size, adapted=True,
                                                        label=f"shared bound, harness corpus, {size:,}")
        elif "bound" not in skip:
            r["bound"]["harness"][str(size)] = run_project_bound(
                corpus_dirs(corpus, size), size, label=f"project raw_bound.py (not the shared bound), {size:,}")
        if pg:
            r["import"]["PostgreSQL"][str(size)] = run_import(
                corpus_dirs(corpus, size), pg.fresh(), label=f"import {size:,} (PostgreSQL)", expect=size)

    if gen:
        r["bound"]["gen"] = run_bound(gen, big, label=f"shared bound, gen_corpus.py corpus, {big:,}")
        if big > NORMALISATION_FILES:
            # Targets are stated for the bound's figure on its 100,000-file corpus: measure that too.
            subset, _ = shared_bound.prepare_gen_corpus(OUT, NORMALISATION_FILES, python=PY, seed=args.seed, log=log)
            r["bound"]["normalisation"] = run_bound(subset, NORMALISATION_FILES,
                                                    label=f"shared bound, gen_corpus.py's first {NORMALISATION_FILES:,}")
        else:
            r["bound"]["normalisation"] = r["bound"]["gen"]
        url = sqlite.fresh("gen")
        r["gen_import"] = run_import([gen], url, label=f"import gen_corpus.py's {big:,} (SQLite)", expect=big)
        r["gen_import"]["expect"] = big
        sqlite.drop(url)

    if "loaddata" not in skip:
        ref = 10000 if 10000 in sizes else sizes[0]
        # A million articles as one JSON fixture would be gigabytes read whole into memory.
        if ref <= 100_000 and r["import"]["SQLite"][str(ref)]["ok"]:
            r["loaddata"] = loaddata_reference(sqlite_url(OUT / f"db-{ref}.sqlite3"), sqlite, ref)
            r["loaddata"]["size"] = ref

    if "readers" not in skip:
        url = sqlite.fresh("readers")
        r["readers"]["first load, SQLite"] = import_with_readers(
            corpus_dirs(corpus, rw_files), url, label=f"first load of {rw_files:,} with a reader (SQLite)",
            expect=rw_files)
        sqlite.drop(url)
        if pg:
            url = pg.fresh("readers")
            r["readers"]["first load, PostgreSQL"] = import_with_readers(
                corpus_dirs(corpus, rw_files), url, label=f"first load of {rw_files:,} with a reader (PostgreSQL)",
                expect=rw_files)
            pg.drop(url)

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
        label = f"re-import {expected:,} changed"
        if "readers" in skip:
            changed = run_import(corpus_dirs(corpus, big), big_url, label=label, expect=big)
        else:
            changed = import_with_readers(corpus_dirs(corpus, big), big_url, label=label + " with a reader",
                                          expect=big)
            r["readers"]["10 % re-import, SQLite"] = changed
        changed["ok"] = changed["ok"] and changed.get("updated") == expected
        r["reimport"]["touched"] = expected
        r["reimport"]["changed"] = changed

    if "pages" not in skip:
        small_url = sqlite.fresh("small")
        run_import([small], small_url, label=f"import {SMALL_CORPUS} (small, for query counts)", expect=SMALL_CORPUS)
        r["pages"] = {"small": pages(small_url, 0, "small"), "big": pages(big_url, requests, "big")}
        if "gunicorn" not in skip and r["pages"]["big"]:
            # Readers' pages and the API; the admin answers anonymous clients with a redirect.
            urls = {name: p.get("url") for name, p in r["pages"]["big"]["pages"].items()
                    if p.get("status") == 200 and name != "admin index"}
            r["gunicorn"] = gunicorn_throughput(big_url, urls, requests=100 if args.quick else 400,
                                                seconds=5 if args.quick else 10)
        if pg and r["import"]["PostgreSQL"][str(big)]["ok"]:
            # The last PostgreSQL import left the big corpus in PG_DB.
            pg_small = pg.fresh("small")
            run_import([small], pg_small, label=f"import {SMALL_CORPUS} (small, PostgreSQL)", expect=SMALL_CORPUS)
            r["pages_pg"] = {"small": pages(pg_small, 0, "small-postgresql"),
                             "big": pages(f"{PG_SERVER}/{PG_DB}", requests, "big-postgresql")}
            pg.drop(pg_small)

    if "serving" not in skip and "pages" not in skip:
        on_pg = bool(pg and r.get("pages_pg"))
        source = (r["pages_pg"] if on_pg else r["pages"])["big"] or {}
        paths = [p["url"] for name, p in source.get("pages", {}).items()
                 if name in CACHED_PAGES and p.get("status") == 200]
        if paths:
            r["serving"] = serving.cached_throughput(
                PY, ROOT, django_env(f"{PG_SERVER}/{PG_DB}" if on_pg else big_url), paths,
                seconds=5 if args.quick else 10, log=log, out_dir=OUT)
            r["serving"]["engine"] = "PostgreSQL" if on_pg else "SQLite"

    if pg and not args.keep_pg:
        pg.cleanup()
    r["total_s"] = time.perf_counter() - started
    r["machine"]["load_after"] = os.getloadavg()[0]
    text = report.report(r)
    print(text)
    print(f"\nTotal run time {r['total_s'] / 60:.1f} min; load average at end {r['machine']['load_after']:.2f}.")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"results-{stamp}.json", "latest.json"):
        (OUT / name).write_text(json.dumps(r, indent=2, default=str))
    (OUT / "latest.md").write_text(text + "\n")
    if args.write_docs:
        command = "make bench-1m" if sizes == [1_000_000] else (
            "make bench" if sizes == [10_000, 100_000] else "bench/run.py " + " ".join(argv or sys.argv[1:]))
        report.write_docs(ROOT / "docs" / "benchmarks.md", r, text, command)
        log("wrote the tables into docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Imports as real processes: two at once, one killed with SIGKILL, one racing an editor.

Each test gets a scratch database the processes share: a SQLite file, or (when the suite
runs on PostgreSQL) a database named after the test database, dropped afterwards. The
processes run `manage.py import_articles` (or articles/tests/robustness.py) with
DATABASE_URL pointing at it; what they stored is read back the same way.
"""

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from .importing import front_matter, write

ROOT = Path(__file__).resolve().parents[2]
ENGINE = settings.DATABASES["default"]["ENGINE"]
POSTGRES = ENGINE == "django.db.backends.postgresql"
TIMEOUT = 180  # seconds a process may take before the test calls it hung

# Outcomes, reported by the tests' output (pytest -s) and recorded in docs/reliability.md.
FIGURES = {}


# -- scratch databases -------------------------------------------------------------------


class ScratchDatabases:
    """A migrated template, and clones of it that subprocesses reach through DATABASE_URL."""

    def __init__(self, directory):
        self.directory = directory
        self.clones = []
        if POSTGRES:
            db = settings.DATABASES["default"]
            self.prefix = (db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}") + "_scratch"
            self.server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self._sql(f'DROP DATABASE IF EXISTS "{self.prefix}" WITH (FORCE)', f'CREATE DATABASE "{self.prefix}"')
            self.template = f"{self.server}/{self.prefix}"
        else:
            self.template = f"sqlite:///{directory / 'template.sqlite3'}"
        run(["manage.py", "migrate", "--noinput", "-v", "0"], self.template)

    def _sql(self, *statements):
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def clone(self, source=None):
        """A new database holding what `source` (default: the empty template) holds."""
        source = source or self.template
        name = f"{len(self.clones)}"
        if POSTGRES:
            name = f"{self.prefix}_{name}"
            self._sql(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"',
            )
            url = f"{self.server}/{name}"
        else:
            path = self.directory / f"clone-{name}.sqlite3"
            shutil.copyfile(source.removeprefix("sqlite:///"), path)
            url = f"sqlite:///{path}"
        self.clones.append(url)
        return url

    def drop_all(self):
        if POSTGRES:
            names = [url.rsplit("/", 1)[1] for url in self.clones] + [self.prefix]
            self._sql(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    databases = ScratchDatabases(tmp_path_factory.mktemp("scratch-db"))
    yield databases
    databases.drop_all()


def env_for(url):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_TEST_NAME"}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="newsroom.settings_test", PYTHONPATH=str(ROOT))
    return env


def start(args, url, **options):
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env_for(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **options,
    )


def finish(process):
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"{process.args} hung for {TIMEOUT}s: {err[-2000:]}")
    return process.returncode, out, err


def run(args, url):
    code, out, err = finish(start(args, url))
    assert code == 0 and "Traceback" not in err, f"{args} exited {code}:\n{err[-3000:]}"
    return out


def import_command(*directories):
    return ["manage.py", "import_articles", *map(str, directories), "--no-progress"]


def count_v2(url):
    """Articles already at version 2, read directly (a Django process would start too slowly)."""
    query = "SELECT count(*) FROM articles_article WHERE title LIKE '%version 2'"
    if POSTGRES:
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(query).fetchone()[0]
    import sqlite3

    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20)) as conn:
        return conn.execute(query).fetchone()[0]


def inspect(url, *directories):
    """(stored state, problems): every article must match one of the files under `directories`."""
    found = json.loads(run(["-m", "articles.tests.robustness", "state", *map(str, directories)], url))
    return found["state"], found["problems"]


# -- corpora -----------------------------------------------------------------------------


def corpus(directory, identities, *, version, topic_case=str.title, reverse=False, press="paper"):
    """One file per identity: shared providers and topics, an image and a related link each."""
    for i in identities:
        write(
            directory, f"{9999 - i if reverse else i:04d}.md",
            front_matter(
                webUrl=f"https://race.example/{i}", title=f"Story {i}, version {version}", heat=i % 97,
                provider={"name": f"{press} {i % 40}", "domain": f"{press}{i % 40}.example"},
                topics=[topic_case(f"topic {i % 60}"), topic_case(f"topic {(i * 7 + 1) % 60}"), "Everything"],
                images=[
                    {"url": f"https://race.example/{i}-{version}-{n}.jpg", "width": i, "height": n}
                    for n in range(1 + i % 3)
                ],
                related=[
                    {"title": f"Elsewhere {i}.{n}", "webUrl": f"https://r{i % 30}.example/{i}/{n}",
                     "provider": {"name": f"R {i % 30}", "domain": f"{press}-r{i % 30}.example"}}
                    for n in range(1 + i % 2)
                ],
            ),
        )
    return directory


# -- two imports at once ------------------------------------------------------------------


@pytest.mark.parametrize("presses", [("paper", "paper"), ("paper", "paper"), ("paper", "press")], ids=[
    "same publishers", "same publishers again", "other publishers",
])
def test_two_overlapping_imports_at_once_both_finish_without_duplicates(scratch, tmp_path, presses):
    """Both exit 0; one row per article, provider and topic; every article is one file's, whole."""
    url = scratch.clone()
    # 900 files each (worker processes, two batches); 600 identities in both corpora, half of
    # them with different content. The second corpus runs in the opposite order and spells
    # topics "topic 1" where the first says "Topic 1"; in one round its publishers differ, so
    # neither import waits on the other's new providers before creating topics.
    first = corpus(tmp_path / "a", range(0, 900), version="a", press=presses[0])
    options = {"topic_case": str.lower, "reverse": True, "press": presses[1]}
    second = corpus(tmp_path / "b", [i for i in range(300, 1200) if i % 2 == 0], version="a", **options)
    corpus(tmp_path / "b", [i for i in range(300, 1200) if i % 2], version="b", **options)

    started = time.monotonic()
    processes = [start(import_command(directory), url) for directory in (first, second)]
    results = [finish(process) for process in processes]
    elapsed = time.monotonic() - started
    for code, out, err in results:
        assert code == 0, err[-3000:]
        assert "Traceback" not in err and "0 refused" in out

    stored, problems = inspect(url, first, second)
    assert problems == []
    assert len(stored["articles"]) == 1200
    assert len(stored["providers"]) == (40 + 30) * len(set(presses))
    assert sorted(name.casefold() for name, _ in stored["topics"]) == sorted(
        [f"topic {i}" for i in range(60)] + ["everything"]
    )
    FIGURES[f"concurrent, {presses}"] = {
        "seconds": round(elapsed, 1), "summaries": [out.strip().splitlines()[-1] for _, out, _ in results],
    }
    print(FIGURES)


# -- killed with SIGKILL, then run again -----------------------------------------------------

KILL_ROUNDS = 3


@pytest.fixture(scope="module")
def kill_corpora(tmp_path_factory):
    """v1: 400 stored articles; v2: 600 new, then those 400 changed (1,000 files: 2 batches of 500,
    the first quick creates, the second mostly slower updates: a long window with one committed)."""
    base = tmp_path_factory.mktemp("kill")
    v1 = corpus(base / "v1", range(600, 1000), version="1")
    v2 = corpus(base / "v2", range(1000), version="2")
    return v1, v2


def test_import_killed_at_a_random_moment_leaves_whole_articles_and_resumes(scratch, kill_corpora):
    """SIGKILL mid-import: every article is entirely v1 or v2; a re-run ends as an uninterrupted run."""
    v1, v2 = kill_corpora
    with_v1 = scratch.clone()
    run(import_command(v1), with_v1)

    reference = scratch.clone(with_v1)
    started = time.monotonic()
    summary = run(import_command(v2), reference)
    full_run = time.monotonic() - started
    # The command's own summary says how long the import took after Django started.
    importing = float(re.search(r" in ([0-9.]+)s ", summary).group(1))
    expected, problems = inspect(reference, v2)
    assert problems == [] and len(expected["articles"]) == 1000

    rng = random.Random(20261126)
    outcomes = []
    for round_ in range(KILL_ROUNDS):
        url = scratch.clone(with_v1)
        # Several kills in a row on the last round: resuming a resumed import.
        for kill in range(2 if round_ == KILL_ROUNDS - 1 else 1):
            process = start(import_command(v2), url, start_new_session=True)
            started = time.monotonic()
            if (round_ + kill) % 2:
                # Once the first batch is in, at a random moment of the second.
                while count_v2(url) == 0 and process.poll() is None:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0, importing / 2))
            else:
                time.sleep(rng.uniform(full_run - importing, full_run))
            delay = time.monotonic() - started
            os.killpg(process.pid, signal.SIGKILL)  # the command and its parsing workers
            code, _, err = finish(process)
            assert "Traceback" not in err
            stored, problems = inspect(url, v1, v2)
            assert problems == [], f"after a kill at {delay:.2f}s: {problems[:5]}"
            done = sum(1 for a in stored["articles"].values() if a["title"].endswith("version 2"))
            outcomes.append({"killed_after_s": round(delay, 2), "killed": code == -signal.SIGKILL,
                             "articles": len(stored["articles"]), "already_v2": done})
        run(import_command(v2), url)
        stored, problems = inspect(url, v2)
        assert problems == []
        assert stored == expected, "the resumed import ends exactly as the uninterrupted one"
    FIGURES["kill"] = {"full_run_s": round(full_run, 2), "importing_s": importing, "rounds": outcomes}
    print(FIGURES["kill"])
    assert sum(o["killed"] for o in outcomes) >= 2, "kills landed while the import ran"


# -- a first load (SQLite: indexes dropped, built at the end) killed, or two at once ----------


def sqlite_indexes(url):
    """The article tables' secondary indexes (by name: those a first load keeps were created
    before those it builds again), whether a first load's list of indexes still to build is
    there, and how many articles are stored."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20)) as conn:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('articles_article', 'articles_articletopic', 'articles_image', 'articles_relatedlink')"
            " ORDER BY rowid"
        ).fetchall()
        pending = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'articles_first_load_pending_index'"
        ).fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    return sorted(indexes), bool(pending), articles


@pytest.mark.skipif(POSTGRES, reason="the first load is SQLite's")
def test_first_load_killed_after_its_first_batch_is_finished_by_the_next_import(scratch, tmp_path):
    files = corpus(tmp_path / "big", range(1200), version="1")
    template_indexes, _, _ = sqlite_indexes(scratch.template)
    reference = scratch.clone()
    run(import_command(files), reference)
    expected, problems = inspect(reference, files)
    assert problems == [] and sqlite_indexes(reference) == (template_indexes, False, 1200)

    url = scratch.clone()
    process = start(import_command(files), url, start_new_session=True)
    while sqlite_indexes(url)[2] == 0 and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    code, _, err = finish(process)
    assert "Traceback" not in err
    indexes, pending, articles = sqlite_indexes(url)
    if code == -signal.SIGKILL:  # killed mid-load, as intended
        assert pending and indexes != template_indexes and 0 < articles < 1200
    run(import_command(files), url)
    assert sqlite_indexes(url) == (template_indexes, False, 1200)
    stored, problems = inspect(url, files)
    assert problems == [] and stored == expected


@pytest.mark.skipif(POSTGRES, reason="the first load is SQLite's")
def test_two_first_loads_at_once_leave_every_index_in_place(scratch, tmp_path):
    template_indexes, _, _ = sqlite_indexes(scratch.template)
    first = corpus(tmp_path / "a", range(0, 1000), version="a")
    second = corpus(tmp_path / "b", range(1000, 2000), version="b", press="press")
    url = scratch.clone()
    processes = [start(import_command(directory), url) for directory in (first, second)]
    for code, out, err in [finish(process) for process in processes]:
        assert code == 0 and "Traceback" not in err, err[-3000:]
    assert sqlite_indexes(url) == (template_indexes, False, 2000)
    _, problems = inspect(url, first, second)
    assert problems == []


# -- an editor saving while an import writes ------------------------------------------------


def test_editor_saving_while_an_import_updates_the_article_loses_nothing(scratch, tmp_path):
    """The editor's locked title wins; every other field follows the changed source."""
    url = scratch.clone()
    path = write(tmp_path / "src", "story.md", front_matter(title="Feed headline v1", heat=1))
    run(import_command(path), url)
    write(tmp_path / "src", "story.md", front_matter(title="Feed headline v2", heat=2, topics=["Changed"]))

    signals = tmp_path / "signals"
    signals.mkdir()
    importer = start(["-m", "articles.tests.robustness", "import-pausing", str(signals), str(path)], url)
    editor = start(["-m", "articles.tests.robustness", "edit-title", str(signals),
                    "https://orbit.example/solar-sails", "Editor's headline"], url)
    for process in (importer, editor):
        code, out, err = finish(process)
        assert code == 0, err[-3000:]

    stored, _ = inspect(url, path.parent)
    article = stored["articles"]["https://orbit.example/solar-sails"]
    assert (article["title"], article["locked_fields"]) == ("Editor's headline", ["title"])
    assert article["heat"] == 2 and [t[1] for t in article["topics"]] == ["Changed"]

    # The next import of a changed file keeps the editor's title too.
    write(tmp_path / "src", "story.md", front_matter(title="Feed headline v3", heat=3))
    run(import_command(path), url)
    article = inspect(url, path.parent)[0]["articles"]["https://orbit.example/solar-sails"]
    assert (article["title"], article["heat"]) == ("Editor's headline", 3)

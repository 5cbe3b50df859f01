"""An import job outlives its worker: SIGKILL the worker mid-job, start another, the job finishes.

Real processes (`manage.py import_worker`, the project's db_worker) on a database they share:
a temporary SQLite file, or a scratch PostgreSQL database when the suite runs on PostgreSQL.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .importing import front_matter
from .test_cache_processes import scratch_database  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
FILES = 3000


def _manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _connect(url):
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20, isolation_level=None)
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _row(url, sql):
    with _connect(url) as conn:
        return conn.execute(sql).fetchone()


def _json(value):
    return value if isinstance(value, (dict, list)) else json.loads(value)


STAGE = """
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from articles.admin.upload import Staging
from articles.models import ImportJob
import sys, pathlib, uuid
from django.conf import settings
root = pathlib.Path(settings.NEWSROOM_IMPORT_STAGING_DIR) / uuid.uuid4().hex
root.mkdir(parents=True)
staging = Staging(str(root), max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES)
source = pathlib.Path(sys.argv[-1])
for path in sorted(source.iterdir()):
    with open(path, "rb") as f:
        staging._copy(f, path.name)
job = ImportJob.objects.create(created_by=User.objects.get(username="editor"), staging_dir=str(root),
                               names=staging.names, files_total=len(staging.names))
from articles.import_jobs import enqueue
enqueue(job)
print(job.pk, root)
"""


@pytest.fixture
def worker_env(tmp_path, scratch_database):  # noqa: F811
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": scratch_database,
        "NEWSROOM_IMPORT_STAGING_DIR": str(tmp_path / "staging"),
        "NEWSROOM_JOB_STALE_SECONDS": "6",
    }
    env.pop("DATABASE_TEST_NAME", None)
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "create_demo_admin", "--username", "editor")
    return env, scratch_database


def _worker(env):
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_a_job_whose_worker_was_killed_is_resumed_and_finishes(tmp_path, worker_env):
    env, url = worker_env
    feed = tmp_path / "feed"
    feed.mkdir()
    for n in range(FILES):
        (feed / f"{n:05d}.md").write_text(front_matter(title=f"Story {n}", webUrl=f"https://jobs.example/{n}"))
    script = tmp_path / "stage.py"
    script.write_text(STAGE)
    job_id, staging = _manage(env, "shell", "-c", f"import sys; sys.argv.append({str(feed)!r}); exec(open({str(script)!r}).read())").split()[-2:]

    first = _worker(env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, imported = _row(url, f"SELECT status, imported FROM articles_importjob WHERE id = {job_id}")
            if len(_json(imported)) >= 500:
                break
            assert status != "done", "the job finished before the worker could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("the first worker imported nothing")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()

    status, imported, events = _row(url, f"SELECT status, imported, events FROM articles_importjob WHERE id = {job_id}")
    assert status == "running" and 500 <= len(_json(imported)) < FILES
    killed_at = len(_json(imported))
    assert _row(url, "SELECT COUNT(*) FROM django_admin_log")[0] == killed_at, "history for every article written"
    assert Path(staging).exists()

    second = _worker(env)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status, = _row(url, f"SELECT status FROM articles_importjob WHERE id = {job_id}")
            if status in ("done", "failed"):
                break
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(timeout=20)

    status, files_done, result, events, attempt = _row(
        url, f"SELECT status, files_done, result, events, attempt FROM articles_importjob WHERE id = {job_id}"
    )
    # Two attempts; a third only if the loaded machine made the second miss its heartbeats (the
    # attempt number fences the slow worker off: still no file written or logged twice).
    assert status == "done" and files_done == FILES and attempt >= 2
    assert _json(result)["summary"].startswith(f"{FILES:,} files: {FILES:,} created, 0 updated, 0 unchanged")
    events = _json(events)
    assert len(events) == attempt - 1 and "Worker stopped" in events[0] and "resumed at" in events[0]
    assert _row(url, "SELECT COUNT(*) FROM articles_article")[0] == FILES
    assert _row(url, "SELECT COUNT(*) FROM django_admin_log WHERE action_flag = 1")[0] == FILES
    assert _row(url, "SELECT COUNT(*) FROM articles_article WHERE source_path NOT LIKE 'upload:%'")[0] == 0
    assert not Path(staging).exists()
    tasks = dict(_connect(url).execute("SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status").fetchall())
    assert "RUNNING" not in tasks and tasks.get("FAILED", 0) >= 1, "the killed worker's task is closed"

"""Two app servers, sharing Redis or each with its own memory cache: a change made through one
(or by the import command, a third process) is what both serve on the next request.

Runs real processes (gunicorn ×2, the import command, an editor in the admin of one server)
against a scratch database both can see: a temporary SQLite file, or a scratch PostgreSQL
database when the suite itself runs on PostgreSQL.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from articles import db

from .importing import front_matter

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def _redis_up():
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["redis", "local memory"])
def redis_url(request):
    """REDIS_URL for the servers: Redis, or empty (each process caches in its own memory)."""
    if request.param == "local memory":
        return ""
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not answering on 127.0.0.1:6379 and CI=true")
        pytest.skip("Redis is not answering on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/2"


@pytest.fixture
def scratch_database(tmp_path):
    """A database URL that processes outside the test runner can share."""
    if not db.is_engine("postgresql"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    params = settings.DATABASES["default"]
    name = f"newsroom_cache_{uuid.uuid4().hex[:10]}"
    admin_dsn = dict(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=params["USER"],
                     password=params["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin_dsn) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    yield f"postgres://{auth}@{admin_dsn['host']}:{admin_dsn['port']}/{name}"
    with psycopg.connect(**admin_dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _servers(env, count):
    ports = [_free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"server on port {port} did not start")
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


# Both servers sit behind one load balancer: readers' requests carry the site's host name.
HOST = "news.test"


def _request(url, data=None):
    return urllib.request.Request(url, data=data, headers={"Host": HOST})


def _get(url, opener=None):
    try:
        response = (opener or urllib.request.build_opener()).open(_request(url), timeout=10)
        return response.status, response.headers.get("X-Newsroom-Cache"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Newsroom-Cache"), error.read().decode()


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _csrf(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_change_through_one_server_is_served_by_the_other(tmp_path, redis_url, scratch_database):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",  # plain http on loopback; caching works the same
        "DATABASE_URL": scratch_database,
        "REDIS_URL": redis_url,
        "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex}",  # this run's keys only
        "NEWSROOM_PAGE_CACHE_SECONDS": "300",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
    }
    env.pop("DATABASE_TEST_NAME", None)
    source = tmp_path / "feed" / "story.md"
    source.parent.mkdir()
    source.write_text(front_matter(title="Version one"))
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "import_articles", str(source.parent), "--no-progress")
    login = _manage(env, "create_demo_admin", "--username", "editor")
    password = re.search(r"as editor / (\S+)", login).group(1)

    with _servers(env, 2) as (a, b):
        status, _, home = _get(f"{a}/")
        path = re.search(r'href="(/articles/\d+/[^"]+/)"', home).group(1)
        assert _get(a + path)[:2] == (200, "miss")
        status, cache_state, page = _get(b + path)
        if redis_url:
            assert (status, cache_state) == (200, "hit"), "the second server reads the first one's cached page"
        assert _get(b + path)[:2] == (200, "hit")
        assert "Version one" in page

        # An import in a third process changes the story: both servers serve the new version.
        source.write_text(front_matter(title="Version two"))
        _manage(env, "import_articles", str(source.parent), "--no-progress")
        for server in (a, b):
            status, _, page = _get(server + path)
            assert "Version two" in page and "Version one" not in page
            assert _get(server + path)[1] == "hit", "cached again once the new version is rendered"
            _get(f"{server}/")
            _, cache_state, home = _get(f"{server}/")
            assert cache_state == "hit" and "Version two" in home

        # An editor unpublishes it in server B's admin: server A stops serving it at once.
        jar = http.cookiejar.CookieJar()
        editor = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = _get(f"{b}/admin/login/", editor)[2]
        editor.open(_request(f"{b}/admin/login/?next=/admin/", urllib.parse.urlencode({
            "csrfmiddlewaretoken": _csrf(form), "username": "editor", "password": password, "next": "/admin/",
        }).encode()), timeout=10)
        changelist = _get(f"{b}/admin/articles/article/", editor)[2]
        article_id = re.search(r'name="_selected_action" value="(\d+)"', changelist).group(1)
        editor.open(_request(f"{b}/admin/articles/article/", urllib.parse.urlencode({
            "csrfmiddlewaretoken": _csrf(changelist), "action": "unpublish",
            "_selected_action": article_id, "index": "0",
        }).encode()), timeout=10)
        for server in (a, b):
            assert _get(server + path)[0] == 404
            assert "Version two" not in _get(f"{server}/")[2]

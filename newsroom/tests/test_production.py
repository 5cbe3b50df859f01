"""Production serving: collectstatic, then gunicorn + WhiteNoise with the production settings."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_security import PRODUCTION_ENV, run_python

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A production environment with a migrated SQLite database and collected static files."""
    root = tmp_path_factory.mktemp("production")
    env = {
        **PRODUCTION_ENV,
        "DJANGO_ALLOWED_HOSTS": "news.example.com,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(root / "static"),
    }
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        result = run_python(["manage.py", *command], env)
        assert result.returncode == 0, result.stderr
    return env, root / "static"


def test_collectstatic_writes_hashed_compressed_files(collected):
    """Every static file gets a content-hashed name and a compressed copy for WhiteNoise."""
    _, static_root = collected
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    assert (static_root / hashed).exists()
    assert (static_root / (hashed + ".gz")).exists()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers):
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_serves_pages_and_static_files_behind_a_proxy(collected):
    """gunicorn answers with the security headers, redirects http, and WhiteNoise serves CSS."""
    env, static_root = collected
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "newsroom.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, "PATH": f"{BIN}:/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = fetch(f"{base}/admin/login/", {"X-Forwarded-Proto": "https"})
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        css = json.loads((static_root / "staticfiles.json").read_text())["paths"]["admin/css/base.css"]
        assert f"/static/{css}".encode() in body

        status, headers, _ = fetch(f"{base}/admin/login/", {"X-Forwarded-Proto": "http"})
        assert status == 301
        assert headers["Location"] == f"https://127.0.0.1:{port}/admin/login/"

        status, headers, _ = fetch(f"{base}/static/{css}", {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=10)

"""Production settings: HTTPS, security headers, the Content-Security-Policy and the login lockout."""

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from newsroom.lockout import client_ip
from newsroom.middleware import ADMIN_CHANGE_LIST_STYLE_HASH

ROOT = Path(__file__).resolve().parents[2]

# The production environment documented in docs/production.md, with a fresh key.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "DATABASE_URL": "postgres://newsroom@127.0.0.1:5432/newsroom",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_PROXY_COUNT": "1",
}

PASSWORD = "correct horse battery staple"
LOCKOUT_MESSAGE = "Too many failed login attempts; try again in 30 seconds."


def run_python(args, env):
    """Run Python in the project with exactly this environment (none of the test run's)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "newsroom.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "NEWSROOM_PROXY_COUNT",
]}))
"""


def settings_under(env):
    result = run_python(["-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Settings from the environment -------------------------------------------------------------


def test_check_deploy_reports_nothing_with_the_documented_production_environment():
    """`manage.py check --deploy` is clean in production; a warning would fail it."""
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_warns_when_the_https_redirect_is_turned_off():
    """The check is real: switching the redirect off in production is reported."""
    env = {**PRODUCTION_ENV, "DJANGO_SECURE_SSL_REDIRECT": "0"}
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    """No key, no debug: Django does not start, and the message says what to set."""
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_SECRET_KEY"}
    result = run_python(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_are_https_only():
    """Debug off: https redirect, secure cookies, a year of HSTS with subdomains and preload."""
    values = settings_under(PRODUCTION_ENV)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "NEWSROOM_PROXY_COUNT": 1,
    }


def test_hsts_and_redirect_follow_the_environment():
    """An operator can shorten HSTS, drop subdomains/preload, and leave the redirect to the proxy."""
    values = settings_under({
        **PRODUCTION_ENV,
        "DJANGO_SECURE_HSTS_SECONDS": "3600",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "DJANGO_SECURE_HSTS_PRELOAD": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "",
    })
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_local_development_stays_on_plain_http():
    """`make run` (DJANGO_DEBUG=1, no key): no https redirect, no HSTS, cookies work over http."""
    values = settings_under({"DJANGO_DEBUG": "1"})
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False


# --- Response headers --------------------------------------------------------------------------


def parse_csp(header):
    """'a x y; b z' -> {"a": ["x", "y"], "b": ["z"]}"""
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "https:", "data:"],
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, handlers, styles."""

    DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}

    def __init__(self):
        super().__init__()
        self.found = []
        self.styles = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") not in self.DATA_SCRIPT_TYPES:
            self.found.append("inline <script>")
        self.found += [f"{name}= on <{tag}>" for name in attrs if name.startswith("on") or name == "style"]
        self.found += [f"javascript: URL on <{tag}>" for value in attrs.values()
                       if value and value.strip().lower().startswith("javascript:")]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser


def style_hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.invalid", PASSWORD)


PAGES = {
    "public page": "/",
    "admin login": "/admin/login/",
    "404": "/no-such-page/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_security_headers_on_pages_served_over_https(client, path):
    """Public page, admin login and a 404 all carry the full set of security headers."""
    response = client.get(path, secure=True)
    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    policy = parse_csp(response["Content-Security-Policy"])
    expected = EXPECTED_POLICY
    if path.startswith("/admin/"):
        expected = {**expected, "style-src": ["'self'", ADMIN_CHANGE_LIST_STYLE_HASH]}
    assert policy == expected
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "data:"} & set(policy["script-src"])
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # The page has nothing the policy would block.
    assert inline_code(response.content.decode()).found == []


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_and_gets_no_hsts(client):
    """A reader typing http:// lands on https://; HSTS is only ever sent over https."""
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/admin/login/?next=/admin/"
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_proxy_header_marks_requests_as_https(client):
    """Behind a proxy that says X-Forwarded-Proto: https there is no redirect loop."""
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        forwarded = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
        plain = client.get("/admin/login/", headers={"X-Forwarded-Proto": "http"})
    assert forwarded.status_code == 200
    assert "Strict-Transport-Security" in forwarded
    assert plain.status_code == 301


@pytest.mark.django_db
def test_security_middleware_adds_no_queries_to_a_page(client, django_assert_num_queries):
    """The anonymous admin login page costs no database query, with CSP and lockout in place."""
    with django_assert_num_queries(0):
        response = client.get("/admin/login/", secure=True)
    assert "Content-Security-Policy" in response


def test_csrf_cookie_is_secure_and_http_only(client):
    """The login form's CSRF cookie is never sent over http nor readable by scripts."""
    response = client.get("/admin/login/", secure=True)
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_session_cookie_is_secure_and_http_only(client, editor):
    """Logging in to the admin gives a session cookie that is https-only and hidden from scripts."""
    response = client.post("/admin/login/?next=/admin/", {"username": "editor", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_admin_pages_render_under_the_policy(client, editor):
    """The admin index and a change list render, with the header and no inline script."""
    client.force_login(editor)
    for path in ["/admin/", "/admin/auth/user/", f"/admin/auth/user/{editor.pk}/change/"]:
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        assert "editor" in response.content.decode()
        policy = parse_csp(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path
        assert inline_code(response.content.decode()).found == [], path


def test_admin_change_list_inline_style_is_allowed_by_hash_on_admin_pages_only(client, editor, monkeypatch):
    """A change list without actions keeps its one inline <style>; public pages allow no such thing."""
    user_admin = admin.site._registry[get_user_model()]
    monkeypatch.setattr(user_admin, "actions_on_top", False)
    monkeypatch.setattr(user_admin, "actions_on_bottom", False)
    client.force_login(editor)
    response = client.get("/admin/auth/user/", secure=True)
    styles = inline_code(response.content.decode()).styles
    assert len(styles) == 1
    assert style_hash(styles[0]) == ADMIN_CHANGE_LIST_STYLE_HASH
    assert parse_csp(response["Content-Security-Policy"])["style-src"] == ["'self'", ADMIN_CHANGE_LIST_STYLE_HASH]

    public = client.get("/", secure=True)
    assert parse_csp(public["Content-Security-Policy"])["style-src"] == ["'self'"]


# --- Admin login lockout -----------------------------------------------------------------------


@pytest.fixture
def other_editor(db):
    return get_user_model().objects.create_superuser("other", "other@example.invalid", PASSWORD)


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        secure=True,
        REMOTE_ADDR=address,
    )


def is_logged_in(client):
    return client.get("/admin/", secure=True).status_code == 200


def test_five_wrong_passwords_make_the_login_wait(client, editor):
    """After 5 failures even the right password is refused, with a message saying when to retry."""
    for attempt in range(4):
        response = log_in(client, "editor", f"wrong-{attempt}")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    fifth = log_in(client, "editor", "wrong-4")
    assert fifth.status_code == 429

    sixth = log_in(client, "editor", PASSWORD)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert LOCKOUT_MESSAGE in page
    assert "Content-Security-Policy" in sixth
    assert "sessionid" not in sixth.cookies
    assert not is_logged_in(client)


def test_a_waiting_username_does_not_hold_up_other_users_elsewhere(client, editor, other_editor):
    """Guesses at one username from one address hold up that address and that username (both
    for the short cool-off, newsroom/tests/test_lockout.py), not other users at other addresses."""
    for attempt in range(5):
        log_in(client, "editor", f"wrong-{attempt}")
    assert LOCKOUT_MESSAGE in log_in(client, "editor", PASSWORD).content.decode()

    assert log_in(client, "other", PASSWORD, address="198.51.100.20").status_code == 302


def test_axes_reset_unlocks(client, editor):
    """`manage.py axes_reset` (docs/production.md) lets a locked-out editor log in again."""
    for attempt in range(5):
        log_in(client, "editor", f"wrong-{attempt}")
    assert log_in(client, "editor", PASSWORD).status_code == 429
    call_command("axes_reset", stdout=StringIO())
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_successful_login_clears_earlier_failures(client, editor):
    """Four typos, a good login, four more typos: still not locked out."""
    for attempt in range(4):
        log_in(client, "editor", f"wrong-{attempt}")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        assert log_in(client, "editor", f"again-{attempt}").status_code == 200
    assert log_in(client, "editor", PASSWORD).status_code == 302


def test_force_login_is_unaffected_by_a_lockout(client, editor):
    """Tests (and only tests) log in with force_login, which never goes through the lockout."""
    for attempt in range(5):
        log_in(client, "editor", f"wrong-{attempt}")
    client.force_login(editor)
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "198.51.100.9", "10.0.0.1"),  # no proxy configured: the header is the client's word
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "1.2.3.4, 198.51.100.9", "198.51.100.9"),  # a spoofed entry left of the proxy's
        (2, "1.2.3.4, 198.51.100.9, 10.0.0.5", "198.51.100.9"),
        (2, "198.51.100.9", "10.0.0.1"),  # fewer entries than proxies: misconfigured, use the peer
    ],
)
def test_client_address_behind_proxies(settings, proxies, forwarded_for, expected):
    """The lockout counts the address the outermost trusted proxy saw, not one a client made up."""
    settings.NEWSROOM_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


def test_spoofed_forwarded_for_does_not_dodge_the_lockout(client, editor, settings):
    """Behind one proxy, a client inventing X-Forwarded-For entries is still locked out."""
    settings.NEWSROOM_PROXY_COUNT = 1
    for attempt in range(5):
        client.post(
            "/admin/login/",
            {"username": "editor", "password": f"wrong-{attempt}"},
            secure=True,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.7",
        )
    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": PASSWORD},
        secure=True,
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.7",
    )
    assert response.status_code == 429
    assert re.search(re.escape(LOCKOUT_MESSAGE), response.content.decode())

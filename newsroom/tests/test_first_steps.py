"""A fresh checkout: the documented first commands work as written, production still refuses."""

import pytest

from .test_security import PRODUCTION_ENV, ROOT, run_python, settings_under

KEY_FILE = ROOT / "var" / "development-secret-key"
SHOW_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def test_no_environment_is_development_with_a_key_kept_for_this_checkout():
    """Nothing set: debug on over plain http, and every process uses the checkout's own key."""
    values = settings_under({})
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    first, second = (run_python(["-c", SHOW_KEY], {}) for _ in range(2))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert KEY_FILE.read_text().strip() == key
    assert oct(KEY_FILE.stat().st_mode & 0o777) == "0o600"
    assert key != "insecure-key-for-tests-only"


@pytest.mark.parametrize("declared", [{"DJANGO_DEBUG": "0"}, {"DJANGO_ALLOWED_HOSTS": "news.example.com"}])
def test_declared_production_without_a_key_refuses_to_start(declared):
    """DJANGO_DEBUG=0 or a real host name is production: no key, no start, and no file key used."""
    result = run_python(["-c", SHOW_KEY], declared)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_with_a_key_never_falls_back_to_development():
    """A key alone means production: debug off, https only."""
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_DEBUG"}
    values = settings_under(env)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True


def test_check_deploy_refuses_the_development_default():
    """`make serve` runs `check --deploy`: the development default can never pass it."""
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG is on


def test_fixtures_import_as_fixtures_readme_writes_it(tmp_path):
    """`python manage.py migrate` then `import_articles fixtures/` on a fresh clone, no variables set."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for command in (["migrate", "--noinput", "-v0"], ["import_articles", "fixtures/"]):
        result = run_python(["manage.py", *command], env)
        assert result.returncode == 0, result.stderr
    assert "ImproperlyConfigured" not in result.stderr
    assert "74 created" in result.stdout


def test_importing_before_migrating_says_what_to_type(tmp_path):
    """No traceback on a fresh clone that skipped `migrate`: one line naming the command."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_python(["manage.py", "import_articles", "fixtures/"], env)
    assert result.returncode != 0
    assert "run `python manage.py migrate` first" in result.stderr
    assert "Traceback" not in result.stderr

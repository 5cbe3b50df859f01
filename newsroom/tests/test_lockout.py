"""Login throttling that slows guessers and never locks an editor out for good (newsroom/lockout.py)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import RequestFactory

from newsroom.lockout import cool_off

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SHARED = "203.0.113.7"  # an office behind one NAT address


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("editor", "editor@example.invalid", PASSWORD)


def log_in(client, username, password, address=SHARED):
    client.logout()
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, secure=True, REMOTE_ADDR=address
    )


def seconds_pass(seconds):
    """Move every recorded attempt back in time, as if `seconds` had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def test_a_guesser_on_the_shared_address_holds_the_real_editor_up_for_30_seconds_at_most(client, editor):
    for attempt in range(5):
        log_in(client, "editor", f"guess-{attempt}")
    refused = log_in(client, "editor", PASSWORD)
    assert refused.status_code == 429
    assert "try again in 30 seconds" in refused.content.decode()
    seconds_pass(31)
    assert log_in(client, "editor", PASSWORD).status_code == 302


def test_the_cool_off_doubles_with_each_round_of_failures_up_to_15_minutes(client, editor):
    for attempt in range(10):
        log_in(client, "editor", f"guess-{attempt}")
    page = log_in(client, "editor", PASSWORD).content.decode()
    assert "try again in 60 seconds" in page or "try again in 2 minutes" in page
    seconds_pass(40)
    assert log_in(client, "editor", PASSWORD).status_code == 429, "longer than the first round's 30 s"
    seconds_pass(130)
    assert log_in(client, "editor", PASSWORD).status_code == 302, "and still bounded"

    request = RequestFactory().post("/admin/login/", {"username": "editor"}, REMOTE_ADDR=SHARED)
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username="editor", ip_address=SHARED, user_agent="", http_accept="", path_info="/")
        for _ in range(500)
    )
    assert cool_off(request) == timedelta(minutes=15)


def test_spraying_many_usernames_from_one_address_is_slowed(client, editor):
    """120 guesses over 30 usernames: only the first five are ever checked; the rest wait."""
    answers = [
        log_in(client, f"user{n}", f"guess-{round_}").status_code for round_ in range(4) for n in range(30)
    ]
    assert answers[:4] == [200] * 4
    assert set(answers[5:]) == {429}
    # The guesser's failures of the day make every further round wait longer, up to the cap.
    request = RequestFactory().post("/admin/login/", {"username": "user99"}, REMOTE_ADDR=SHARED)
    assert cool_off(request) == timedelta(minutes=15)
    # An editor elsewhere is not affected.
    assert log_in(client, "editor", PASSWORD, address="198.51.100.20").status_code == 302


def test_guessing_one_username_from_many_addresses_is_slowed(client, editor):
    for n in range(5):
        log_in(client, "editor", f"guess-{n}", address=f"192.0.2.{n}")
    assert log_in(client, "editor", "guess-6", address="192.0.2.77").status_code == 429


def test_wrong_old_passwords_in_the_password_change_form_are_throttled(client, editor):
    client.force_login(editor)
    url = "/admin/password_change/"

    def change(old):
        return client.post(
            url, {"old_password": old, "new_password1": "n3w-Passw0rd-long", "new_password2": "n3w-Passw0rd-long"},
            secure=True, REMOTE_ADDR=SHARED,
        )

    for attempt in range(4):
        response = change(f"guess-{attempt}")
        assert response.status_code == 200 and "old password was entered incorrectly" in response.content.decode()
    assert change("guess-4").status_code == 429
    refused = change(PASSWORD)
    assert refused.status_code == 429 and "try again in" in refused.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD), "the password was not changed while locked out"
    assert AccessFailureLog.objects.filter(username="editor").count() >= 5

    seconds_pass(31)
    assert change(PASSWORD).status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("n3w-Passw0rd-long")

"""`create_demo_admin`: a working superuser login, never a fixed password."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def login_from(output):
    return re.search(r"Log in at (\S+) as (\S+) / (\S+)", output).groups()


def test_prints_a_new_random_password_that_works_each_run():
    first, second = StringIO(), StringIO()
    call_command("create_demo_admin", "--url", "http://127.0.0.1:8123/admin/", stdout=first)
    call_command("create_demo_admin", stdout=second)
    url, username, password_one = login_from(first.getvalue())
    _, _, password_two = login_from(second.getvalue())
    assert (url, username) == ("http://127.0.0.1:8123/admin/", "admin")
    assert password_one != password_two and len(password_two) >= 16
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert user.check_password(password_two) and not user.check_password(password_one)


def test_the_login_is_printed_in_a_frame():
    """The login stands out: a box of rules around it, nothing else inside."""
    out = StringIO()
    call_command("create_demo_admin", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == lines[-1] and set(lines[0]) == {"+", "-"}
    assert all(line.startswith("| ") and line.endswith(" |") and len(line) == len(lines[0]) for line in lines[1:-1])
    assert any("Log in at http://127.0.0.1:8000/admin/ as admin / " in line for line in lines)

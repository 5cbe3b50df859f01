import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo superuser and print its login. The password is random and new "
        "on every run; it is never stored anywhere but the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Login name (default: admin).")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served, for the message."
        )

    def handle(self, *args, username, url, **options):
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.invalid"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        lines = [
            f"{'Created' if created else 'Reset'} the demo admin.",
            f"Log in at {url} as {username} / {password}",
        ]
        self.stdout.write(self.style.SUCCESS(framed(lines)))


def framed(lines):
    """The lines in a box, so the login stands out from the server's output around it."""
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])

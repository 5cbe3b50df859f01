"""How django-axes tells a client apart, how long it makes a client wait, and what it sees meanwhile.

Failed logins are counted per username-and-address, per address and per username (settings:
AXES_LOCKOUT_PARAMETERS). Five failures under any of them make that client wait a cool-off that
starts short and doubles with every five further failures of the day, up to a cap: an editor
sharing an address with a guesser waits seconds, not a quarter of an hour, while a guesser
spraying passwords over many usernames from one address (or over many addresses at one
username) is slowed more with every round. Nothing is locked for good.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import user_login_failed
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind DJANGO_PROXY_COUNT proxies the address the
    outermost proxy saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so only the
    last DJANGO_PROXY_COUNT entries are trustworthy; anything left of them a client could have
    written itself to dodge the lockout or to lock someone else out.
    """
    count = settings.NEWSROOM_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= count and forwarded[-count]:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def _username(request):
    name = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "") if request.method == "POST" else ""
    user = getattr(request, "user", None)
    if not name and user is not None and user.is_authenticated:
        name = user.get_username()  # the password-change form: the signed-in editor
    return name


def failures_today(request):
    """The most failures of the last day from this request's address or at its username."""
    from axes.models import AccessFailureLog

    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    username = _username(request)
    counts = AccessFailureLog.objects.filter(
        attempt_time__gte=timezone.now() - timedelta(days=1)
    ).aggregate(
        by_address=Count("pk", filter=Q(ip_address=address)),
        by_username=Count("pk", filter=Q(username=username)) if username else Count("pk", filter=Q(pk=None)),
    )
    return max(counts["by_address"], counts["by_username"])


def cool_off(request=None):
    """AXES_COOLOFF_TIME: NEWSROOM_LOGIN_COOLOFF for the first lockout of the day, doubled for every
    AXES_FAILURE_LIMIT failures beyond it, at most NEWSROOM_LOGIN_COOLOFF_MAX."""
    base, cap = settings.NEWSROOM_LOGIN_COOLOFF, settings.NEWSROOM_LOGIN_COOLOFF_MAX
    if request is None:
        return cap  # axes cleaning old attempts: keep any a client may still be waiting on
    rounds = max(failures_today(request) - settings.AXES_FAILURE_LIMIT, 0) // settings.AXES_FAILURE_LIMIT
    return min(base * 2 ** min(rounds, 20), cap)


def lockout_message(request):
    return f"Too many failed login attempts; try again in {_duration(cool_off(request))}."


def _duration(delta):
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def lockout_response(request, original_response, credentials):
    return render(request, "registration/lockout.html", {"message": lockout_message(request)}, status=429)


def throttled_password_change(view):
    """The admin's password change, with wrong old passwords counted as failed logins.

    A stolen session must not be a way to guess the password without limit: a locked-out
    client gets the lockout page, and every wrong old password is reported to axes.
    """
    from axes.handlers.proxy import AxesProxyHandler

    def wrapped(request, *args, **kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        AxesProxyHandler.update_request(request)
        credentials = {settings.AXES_USERNAME_FORM_FIELD: request.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request, None, credentials)
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and "old_password" in form.errors:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request, response, credentials)
        return response

    return wrapped

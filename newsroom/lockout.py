"""How django-axes tells a client apart, and what a locked-out client sees."""

from django.conf import settings
from django.shortcuts import render


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


def lockout_response(request, original_response, credentials):
    return render(
        request,
        "registration/lockout.html",
        {"message": settings.AXES_COOLOFF_MESSAGE},
        status=429,
    )

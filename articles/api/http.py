"""What every API endpoint does alike: methods, CORS, throttling, conditional GET, JSON errors.

An endpoint is a function `view(request, query, **kwargs)` returning data (or an HttpResponse),
wrapped by `api_endpoint(params)`: the wrapper refuses other methods, answers CORS preflights,
counts the client's requests, validates the query string against `params`, answers 304 when the
client's copy is current, and turns ApiError and Http404 into JSON bodies.
"""

import hashlib
import json
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from newsroom.lockout import client_ip

from ..models import Article
from ..page_cache import content_version
from .params import BadParameter, parse_query

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
# Any site may read the API from a browser: it serves public content only, and no cookie counts.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}
THROTTLE_WINDOW = 60  # seconds: NEWSROOM_API_REQUESTS_PER_MINUTE counts per minute


class ApiError(Exception):
    """An answer other than 200, with a JSON body saying why."""

    def __init__(self, status, code, message, *, parameter=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.parameter, self.headers = parameter, headers or {}

    def response(self):
        error = {"status": self.status, "code": self.code, "message": self.message}
        if self.parameter is not None:
            error["parameter"] = self.parameter
        response = json_response({"error": error}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def json_response(data, *, status=200):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), status=status, content_type="application/json")


def seconds_to_wait(request):
    """None while the client's address is within its requests per minute, else when to retry."""
    limit = settings.NEWSROOM_API_REQUESTS_PER_MINUTE
    if limit <= 0:
        return None
    now = time.time()
    window = int(now // THROTTLE_WINDOW)
    key = f"newsroom:api-throttle:{client_ip(request)}:{window}"
    # A counter per address and minute in the shared cache: every app server counts together.
    cache.add(key, 0, timeout=THROTTLE_WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, count := 1, timeout=THROTTLE_WINDOW + 5)
    if count <= limit:
        return None
    return max(1, int((window + 1) * THROTTLE_WINDOW - now + 0.999))


def validators(request):
    """(ETag, Last-Modified) of the answer to this request: they change with the content version
    (every import and editor's change) and when a scheduled article's time comes."""
    version = content_version()
    newest = (
        Article.objects.published().order_by("-published_at").values_list("published_at", flat=True).first()
    )
    key = f"{version}|{newest.isoformat() if newest else ''}|{request.build_absolute_uri()}"
    etag = '"{}"'.format(hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32])
    last_modified = max(int(version) // 10**9, int(newest.timestamp()) if newest else 0)
    return etag, last_modified


def api_endpoint(params=(), *, conditional=True):
    """Make `view(request, query, **kwargs)` an API endpoint; `query` holds the parsed `params`."""

    def decorate(view):
        @wraps(view)
        def endpoint(request, *args, **kwargs):
            try:
                response = _answer(request, view, params, conditional, args, kwargs)
            except ApiError as error:
                response = error.response()
            except Http404 as error:
                response = ApiError(404, "not_found", str(error) or "Not found.").response()
            for name, value in CORS_HEADERS.items():
                response[name] = value
            return response

        endpoint.api_params = params  # the schema documents them
        # Nothing here writes: a POST is answered by a JSON 405, not by the CSRF check's HTML 403.
        endpoint.csrf_exempt = True
        return endpoint

    return decorate


def _answer(request, view, params, conditional, args, kwargs):
    if request.method not in ALLOWED_METHODS:
        raise ApiError(405, "method_not_allowed", "The API is read-only: GET, HEAD and OPTIONS only.",
                       headers={"Allow": ", ".join(ALLOWED_METHODS)})
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Allow"] = ", ".join(ALLOWED_METHODS)
        for name, value in PREFLIGHT_HEADERS.items():
            response[name] = value
        return response
    wait = seconds_to_wait(request)
    if wait is not None:
        raise ApiError(429, "throttled", f"Too many requests from this address: try again in {wait} s.",
                       headers={"Retry-After": str(wait)})
    try:
        query = parse_query(request.GET, params)
    except BadParameter as error:
        raise ApiError(400, error.code, error.message, parameter=error.parameter) from None
    etag = last_modified = None
    response = None
    if conditional:
        etag, last_modified = validators(request)
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = view(request, query, *args, **kwargs)
        if not isinstance(response, HttpResponse):
            response = json_response(response)
    if response.status_code in (200, 304):
        if etag:
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=settings.NEWSROOM_API_MAX_AGE)
    return response

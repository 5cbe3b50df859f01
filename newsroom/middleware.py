from csp.middleware import CSPMiddleware
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse

# The one inline block Django 5.2's admin emits: a <style> in the change list of a model admin
# without actions (admin/change_list.html). Allowed by its hash, on admin pages only;
# test_security checks the hash against what the admin really renders.
ADMIN_CHANGE_LIST_STYLE_HASH = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's one inline style allowed under /admin/."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), ADMIN_CHANGE_LIST_STYLE_HASH]
            parts.update = update
        return parts


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for the pages anonymous readers get only (BREACH).

    Compressing a response that holds a secret next to text an attacker can reflect into it (a
    search query) lets the attacker guess the secret from the compressed size. Public pages hold
    none: they go to anonymous readers, without a session, a CSRF token or a cookie. Anything
    else (a signed-in user's page, the admin, a response that sets a cookie or used the CSRF
    token) goes out uncompressed.
    """

    # The readers' pages, feeds and sitemaps. Not the content API: its ETags and conditional
    # requests are its own (articles/api/http.py), and its clients ask for what they accept.
    COMPRESSED_TYPES = ("text/html", "application/rss+xml", "application/atom+xml", "application/xml")

    def process_response(self, request, response):
        user = getattr(request, "user", None)
        if (
            response.get("Content-Type", "").split(";")[0].strip() not in self.COMPRESSED_TYPES
            or (user is not None and user.is_authenticated)
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or request.META.get("CSRF_COOKIE_USED")
            or response.cookies
            or request.path_info.startswith(reverse("admin:index"))
        ):
            return response
        return super().process_response(request, response)

from csp.middleware import CSPMiddleware
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

"""Change-list querystrings with integers no database column can hold get Django's "?e=1" page.

`?pk__in=99999999999999999999` or `?published_at__year=…` reach SQLite (or Python's datetime)
as numbers too large for a 64-bit integer, which raise OverflowError, not the
IncorrectLookupParameters the admin turns into its "?e=1" redirect: a 500 for a typo.
"""

import re

from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ERROR_FLAG, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.http import HttpResponseRedirect

INTEGER = re.compile(r"\s*[-+]?\d+\s*")
LARGEST = 2**63 - 1
# Parameters the change list reads itself (search text may be any digits).
NOT_LOOKUPS = {SEARCH_VAR, ORDER_VAR, PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR, "all", "_changelist_filters"}


def has_oversized_integer(query):
    for name, values in query.lists():
        if name in NOT_LOOKUPS:
            continue
        for value in values:
            for part in value.split(","):  # __in lists
                if INTEGER.fullmatch(part) and abs(int(part)) > LARGEST:
                    return True
    return False


class OversizedLookupMiddleware:
    """Before any admin change list runs, refuse a lookup no column can answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "__name__", "") == "changelist_view" and has_oversized_integer(request.GET):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return None

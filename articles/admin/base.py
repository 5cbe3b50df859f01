"""Pieces the admin classes share: intermediate action pages, bulk history, a cheap paginator."""

from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import ngettext

from articles import db


def isolated_name(name):
    """A topic's or provider's name in a list, isolated from the columns beside it (<bdi>)."""
    return format_html("<bdi>{}</bdi>", name)


def intermediate_form(modeladmin, request, queryset, form, *, title, apply, intro=""):
    """Show `form` between choosing an action and running it; run `apply(form)` once it is valid.

    Returns None (back to the change list) after applying, else the page with the form.
    """
    if "apply" in request.POST and form.is_valid():
        apply(form)
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "queryset": queryset[:50],
        "count": len(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        if request.POST.get("select_across") != "1"
        else queryset.count(),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": opts,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/articles/action_form.html", context)


def form_data(request):
    """The posted data when the intermediate form was submitted, else None (an unbound form)."""
    return request.POST if "apply" in request.POST else None


def snapshot(queryset):
    """The selected objects, read once before an action changes what the queryset matches."""
    return list(queryset.prefetch_related(None).select_related(None))


def log_bulk_change(request, objects, message):
    """One history entry per object, written in one query."""
    if objects:
        LogEntry.objects.log_actions(request.user.pk, objects, CHANGE, change_message=message)


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, an unfiltered list takes the planner's row estimate instead of COUNT(*).

    Counting 100,000 rows on every page load is the slowest query of the change list; the page
    links need only a close number. Filtered lists (and SQLite) still count exactly.
    """

    ESTIMATE_ABOVE = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        estimate = db.for_alias(getattr(queryset, "db", "default")).estimated_count(queryset)
        if estimate is not None and estimate > self.ESTIMATE_ABOVE:
            return estimate
        return super().count



def counted(count, singular, plural):
    """"1 article", "3 articles": the number with the word in the right number."""
    return ngettext("%(count)s " + singular, "%(count)s " + plural, count) % {"count": f"{count:,}"}

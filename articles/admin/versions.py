"""An article's versions in the admin: the History page lists them with what each changed, old
and new side by side; two versions compare field by field; one is restored (articles/revisions.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from taggit.models import Tag

from articles import revisions
from articles.locks import field_label
from articles.models import ArticleVersion, Provider
from articles.text import display_name

# Versions the History page shows, newest first.
SHOWN = 50
CURRENT = "current"


class Shown:
    """How snapshot values read on a page: provider and topic ids as names, looked up once."""

    def __init__(self, snapshots):
        provider_ids, tag_ids = set(), set()
        for values in snapshots:
            if values.get("provider") is not None:
                provider_ids.add(values["provider"])
            tag_ids.update(values.get("topics") or ())
        # Names isolated (text.display_name): a topic holding U+202E cannot reverse its neighbours.
        self.providers = {pk: display_name(name) for pk, name in Provider.objects.filter(pk__in=provider_ids).values_list("pk", "name")}
        self.tags = {pk: display_name(name) for pk, name in Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")}

    def value(self, name, value):
        if value is None or value == "":
            return "—"
        if name == "provider":
            return self.providers.get(value, f"deleted provider #{value}")
        if name == "topics":
            return ", ".join(self.tags.get(pk, f"deleted topic #{pk}") for pk in value) or "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if name == "published_at":
            moment = parse_datetime(value)
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else value
        return value

    def rows(self, changes):
        return [
            {"name": name, "label": field_label(name), "old": self.value(name, old), "new": self.value(name, new),
             "long": name in ("body", "featured_content", "excerpt")}
            for name, old, new in changes
        ]


def _article(model_admin, request, object_id):
    article = model_admin.get_object(request, object_id)
    if article is None:
        raise Http404("No such article.")
    if not model_admin.has_view_or_change_permission(request, article):
        raise PermissionDenied
    return article


def _context(model_admin, request, article, title):
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.model._meta,
        "object": article,
        "module_name": str(model_admin.model._meta.verbose_name_plural).capitalize(),
    }


def history_context(article):
    """The History page's versions, newest first, each with `.rows` (what it changed)."""
    versions = list(article.versions.select_related("user")[: SHOWN + 1])
    shown = revisions.with_changes(versions)[:SHOWN]
    names = Shown(v.snapshot for v in versions)
    for version in shown:
        version.rows = names.rows(version.changes)
    return {"versions": shown, "more_versions": len(versions) > SHOWN}


def compare_view(model_admin, request, object_id):
    """Two versions (or a version and the article now) field by field; restore from here."""
    article = _article(model_admin, request, object_id)
    left = _version(article, request.GET.get("from"))
    right_id = request.GET.get("to") or CURRENT
    if right_id == CURRENT:
        right = None
        right_snapshot = revisions.current_snapshots([article.pk])[article.pk]
    else:
        right = _version(article, right_id)
        right_snapshot = right.snapshot
    changed = revisions.changes(left.snapshot, right_snapshot)
    names = Shown([left.snapshot, right_snapshot])
    context = {
        **_context(model_admin, request, article, "Compare versions"),
        "left": left,
        "right": right,
        "rows": names.rows(changed),
        "can_restore": right is None and changed and model_admin.has_change_permission(request, article),
        "restore_url": reverse("admin:articles_article_restore", args=[article.pk, left.pk]),
        "history_url": reverse("admin:articles_article_history", args=[article.pk]),
    }
    return TemplateResponse(request, "admin/articles/article/compare_versions.html", context)


def restore_view(model_admin, request, object_id, version_id):
    """POST: the version's values that differ from now come back, locked as an editor's change."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = _article(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    version = _version(article, version_id)
    fields = revisions.restore(article, version, user=request.user)
    if fields:
        labels = ", ".join(field_label(name) for name in fields)
        model_admin.message_user(request, f"Restored {labels} from the version of "
                                 f"{date_format(timezone.localtime(version.created_at), 'DATETIME_FORMAT')}; "
                                 "imports now leave them as restored.", messages.SUCCESS)
    else:
        model_admin.message_user(request, "Nothing to restore: the article already has that version's values.",
                                 messages.INFO)
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


def _version(article, version_id):
    try:
        return get_object_or_404(ArticleVersion.objects.select_related("user"), pk=int(version_id), article=article)
    except (TypeError, ValueError):
        raise Http404("No such version.") from None

"""The editors' desk: what the admin's front page shows, each part a count, a short list and a link.

`desk(request)` builds the page's context in a fixed number of queries, whatever the corpus size:
every list is a LIMIT read from an index, every count a range of one. A part is a function of
(now, user) returning a `Part` whose rows say everything the page prints (title, link, a line of
detail, an alert), so a new part (e.g. rising stories) is one function added to PARTS.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from articles.models import Article, ArticleTopic, ImportJob
from articles.visibility import Status, status_q

SHORT = 5
DAY = timedelta(days=1)


def when(moment, format="DATETIME_FORMAT"):
    return date_format(timezone.localtime(moment), format) if moment else "no date"


def row(url, title, *details, alert=""):
    """One line of a part: a linked title, a line of details, and an alert that stands out."""
    return {"url": url, "title": title, "meta": " · ".join(str(d) for d in details if d), "alert": alert}


@dataclass
class Part:
    """One box of the desk: a title, a headline count, a link to the full list, a few rows."""

    key: str
    title: str
    count: int
    summary: str
    link: str
    rows: list = field(default_factory=list)
    empty: str = "Nothing here."


def changelist(**params):
    url = reverse("admin:articles_article_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def order_by_published_ascending():
    """The change list's `o=` value that sorts by published time, oldest first."""
    from .articles import ArticleAdmin  # the list's columns are the admin's to name

    return str(ArticleAdmin.list_display.index("published") + 1)


def article_rows(queryset):
    return [
        row(reverse("admin:articles_article_change", args=[pk]), title, when(published))
        for pk, title, published in queryset.values_list("pk", "title", "published_at")[:SHORT]
    ]


def drafts(now, user):
    queryset = Article.objects.filter(status_q(Status.DRAFT, now=now))
    count = queryset.count()
    return Part(
        "drafts", "Drafts", count,
        ngettext("%(n)s draft, oldest first", "%(n)s drafts, oldest first", count) % {"n": f"{count:,}"},
        changelist(status=Status.DRAFT, o=order_by_published_ascending()),
        article_rows(queryset.order_by("published_at", "id")),
        "No drafts waiting.",
    )


def scheduled(now, user):
    queryset = Article.objects.filter(status_q(Status.SCHEDULED, now=now))
    count = queryset.count()
    return Part(
        "scheduled", "Scheduled", count,
        ngettext("%(n)s article scheduled, next first", "%(n)s articles scheduled, next first", count)
        % {"n": f"{count:,}"},
        changelist(status=Status.SCHEDULED, o=order_by_published_ascending()),
        article_rows(queryset.order_by("published_at", "id")),
        "Nothing scheduled.",
    )


def recent_imports(now, user):
    """Uploads of the last 24 hours, newest first, with what each created and refused."""
    recent = ImportJob.objects.filter(created_at__gte=now - DAY)
    count = recent.count()
    jobs = list(
        recent.select_related("created_by")
        .defer("names", "refused_before_import", "result", "staging_dir")
        .annotate(job_counts=F("result__counts"))[:SHORT * 2]
    )
    rows = []
    for job in jobs:
        counts = job.job_counts or {}
        refused = counts.get("refused", 0)
        rows.append(row(
            reverse("admin:articles_article_import_job", args=[job.pk]), f"Import #{job.pk}",
            job.get_status_display(), job.created_by or "—", when(job.created_at, "H:i"),
            counts and ", ".join(f"{counts.get(name, 0)} {name}" for name in ("created", "updated", "unchanged")),
            alert=refused and f"{refused} refused",
        ))
    with_refusals = sum(1 for line in rows if line["alert"])
    summary = ngettext("%(n)s import in the last 24 hours", "%(n)s imports in the last 24 hours", count) % {
        "n": count
    }
    if with_refusals:
        summary += ngettext(", %(n)s with refused files", ", %(n)s with refused files", with_refusals) % {
            "n": with_refusals
        }
    return Part(
        "imports", "Imports", count, summary, reverse("admin:articles_article_import"), rows,
        "No imports in the last 24 hours.",
    )


def rising_topics(now, user):
    """Topics with the most new live articles in the last 24 hours against the 24 before.

    Read from the live articles of the last two days (a range of the public date index) and their
    topic links, so the cost follows two days of news, not the whole archive.
    """
    today = Q(content_object__published_at__gt=now - DAY)
    yesterday = Q(content_object__published_at__lte=now - DAY)
    heat = F("content_object__heat")
    found = list(
        ArticleTopic.objects.filter(
            content_object__in=Article.objects.published().filter(published_at__gt=now - 2 * DAY).values("pk")
        )
        .values("tag__name", "tag__slug")
        .annotate(
            now_count=Count("id", filter=today),
            before_count=Count("id", filter=yesterday),
            now_heat=Sum(heat, filter=today, default=0),
            before_heat=Sum(heat, filter=yesterday, default=0),
        )
        .annotate(rise=F("now_count") - F("before_count"))
        .filter(now_count__gt=0)
        .order_by("-rise", "-now_heat", "tag__name")[:SHORT]
    )
    rows = [
        row(changelist(topic=topic["tag__slug"]), topic["tag__name"],
            f"{topic['now_count']} today", f"{topic['before_count']} the day before",
            f"heat {topic['now_heat']} (was {topic['before_heat']})")
        for topic in found
    ]
    return Part(
        "topics", "Rising topics", len(rows),
        "New live articles in the last 24 hours against the 24 before",
        reverse("admin:articles_topic_changelist"), rows, "No new live articles in two days.",
    )


def rising_stories(now, user):
    """Stories with the most new live articles in the last 24 hours against the 24 before.

    One grouped read of the live articles of the last two days (a range of the public date index),
    like rising topics; the lead's title names the story.
    """
    today = Q(published_at__gt=now - DAY)
    yesterday = Q(published_at__lte=now - DAY)
    found = list(
        Article.objects.published().filter(published_at__gt=now - 2 * DAY, story__isnull=False)
        .values("story", "story__lead__title")
        .annotate(
            now_count=Count("id", filter=today),
            before_count=Count("id", filter=yesterday),
            outlets=Count("provider", filter=today, distinct=True),
            now_heat=Sum("heat", filter=today, default=0),
        )
        .annotate(rise=F("now_count") - F("before_count"))
        .filter(now_count__gt=0)
        .order_by("-rise", "-now_heat", "story")[:SHORT]
    )
    rows = [
        row(reverse("admin:articles_story_change", args=[story["story"]]),
            story["story__lead__title"] or f"Story {story['story']}",
            ngettext("%d outlet today", "%d outlets today", story["outlets"]) % story["outlets"],
            f"{story['now_count']} today", f"{story['before_count']} the day before",
            f"heat {story['now_heat']}")
        for story in found
    ]
    return Part(
        "stories", "Rising stories", len(rows),
        "New live articles in the last 24 hours against the 24 before",
        reverse("admin:articles_story_changelist"), rows, "No story grew in two days.",
    )


def changed_today(now, user):
    """What editors changed in articles since midnight: who, which article, what."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    content_type = ContentType.objects.get_for_model(Article)
    entries = LogEntry.objects.filter(content_type=content_type, action_time__gte=midnight)
    count = entries.count()
    rows = [
        row(reverse("admin:articles_article_change", args=[entry.object_id]), entry.object_repr,
            entry.user, when(entry.action_time, "H:i"), entry.get_change_message() or entry.get_action_flag_display())
        for entry in entries.select_related("user").order_by("-action_time", "-id")[:SHORT * 2]
    ]
    return Part(
        "changes", "Changed today", count,
        ngettext("%(n)s change to articles today", "%(n)s changes to articles today", count) % {"n": f"{count:,}"},
        changelist(), rows, "No changes yet today.",
    )


PARTS = (drafts, scheduled, recent_imports, rising_topics, rising_stories, changed_today)


def desk(request, now=None):
    """The desk's parts for this editor, in the order the page shows them."""
    if not request.user.has_perm("articles.view_article"):
        return []  # a staff account outside Editors sees only what its permissions allow
    now = timezone.now() if now is None else now
    return [part(now, request.user) for part in PARTS]

"""Newsroom's data: publishers, articles, their images, related coverage and topics.

Every key of the front-matter format (../shared/FORMAT.md, summarised in
docs/architecture.md) has a typed field here. What a file holds beyond that —
keys the format does not list, which optional keys were present at all — is
kept in `extra` and `source_keys`, so that the exporter can give a file back
exactly as it came.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from . import visibility
from .domains import normalize_domain
from .rendering import render_body
from .slugs import provider_slug
from .text import display_name


class Provider(models.Model):
    """A publisher. Articles and related coverage share one row per domain."""

    name = models.CharField(max_length=200, help_text="The publisher's name as readers know it.")
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Lower case, without “www.”: the publisher's identity across files.",
    )
    slug = models.SlugField(max_length=253, unique=True)
    logos = models.JSONField(
        default=list,
        blank=True,
        help_text="The publisher's logos from the feed (the provider's `images`).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(domain=""), name="provider_domain_not_empty"
            ),
        ]

    def __str__(self):
        # The admin's titles, breadcrumbs, choices, messages and autocomplete show str():
        # a name holding bidi controls or right-to-left letters comes isolated (text.display_name).
        return display_name(self.name or self.domain)

    def save(self, *args, **kwargs):
        self.domain = normalize_domain(self.domain)
        if not self.slug:
            self.slug = provider_slug(self.domain)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:provider-detail", kwargs={"domain": self.domain})


# The columns a card or a feed entry shows: list queries load only these (a sort carries every
# column it loads, and each loaded date or JSON value is converted in Python).
CARD_FIELDS = (
    "identity_url", "title", "slug", "excerpt", "published_at", "created_at", "updated_at", "is_featured", "pinned_home",
    "provider__name", "provider__domain", "story",
)


# updated_at this close to created_at: the row has not changed since it was first stored (both
# are set at once on insert; the ORM's two clock readings differ by microseconds).
STORED_ONCE = timedelta(seconds=1)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see (articles/visibility.py): every public page starts here."""
        return self.filter(visibility.public_q())

    def latest(self):
        # On published articles (which always have a time) no NULLS LAST is needed, and
        # without it the date indexes serve the order.
        return self.order_by("-published_at", "-id")

    def trending(self):
        return self.order_by(F("heat").desc(nulls_last=True), "-published_at", "-id")

    def by_quality(self):
        return self.order_by(F("quality").desc(nulls_last=True), "-published_at", "-id")

    def newest_change(self):
        """The latest `Article.modified_at` among these articles (one aggregate), or None."""
        newest = self.aggregate(
            published=models.Max("published_at"),
            changed=models.Max("updated_at", filter=Q(updated_at__gte=F("created_at") + STORED_ONCE)),
        )
        return max(filter(None, newest.values()), default=None)

    def with_cards(self):
        """The columns a card or feed entry shows, with the provider's. Their image and topics
        come after, for the whole list at once: `articles.cards.fetch_parts()`. `feed_language`:
        the file's `language` key (kept in `extra`), for the card's `lang`."""
        return self.select_related("provider").only(*CARD_FIELDS).annotate(feed_language=KT("extra__language"))


class Article(models.Model):
    """One news item, as a front-matter file describes it."""

    # Which fields an editor can lock against re-imports: articles/locks.py.
    identity_url = models.URLField(
        max_length=2000,
        unique=True,
        help_text="The article's identity: its webUrl, or originalUrl when there is no webUrl.",
    )
    web_url = models.URLField("web URL", max_length=2000, blank=True, null=True,
                              help_text="The canonical address at the publisher (webUrl).")
    original_url = models.URLField("original URL", max_length=2000, blank=True, null=True,
                                   help_text="The address the feed first saw (originalUrl).")
    amp_url = models.URLField("AMP URL", max_length=2000, blank=True, null=True)
    cdn_amp_url = models.URLField("AMP cache URL", max_length=2000, blank=True, null=True)

    title = models.CharField(max_length=1000)
    slug = models.SlugField(max_length=100, blank=True, allow_unicode=True)
    excerpt = models.TextField(blank=True, null=True, help_text="Summary shown on lists.")
    category = models.CharField(max_length=100, blank=True, null=True, help_text="Coarse section, e.g. news.")
    item_type = models.CharField("type", max_length=50, blank=True, null=True,
                                 help_text="Kind of item: article, video, slideshow…")
    published_at = models.DateTimeField(
        "published time", blank=True, null=True,
        help_text="When the publisher published it. A time in the future schedules the article.",
    )
    published_at_offset = models.IntegerField(
        blank=True, null=True, editable=False,
        help_text="The UTC offset (minutes) the source gave, so the time zone is kept.",
    )
    quality = models.PositiveIntegerField(blank=True, null=True, help_text="Quality score from the feed.")
    heat = models.PositiveIntegerField(blank=True, null=True, help_text="Trending score from the feed.")
    is_published = models.BooleanField(
        "published", default=False, db_index=True,
        help_text="Readers see the article only when this is set and its published time has come.",
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="articles")
    provider_source = models.JSONField(
        blank=True, null=True, editable=False,
        help_text="The provider mapping exactly as the file gave it.",
    )
    featured_content = models.TextField(
        blank=True, null=True,
        help_text="The feed's embed markup (featuredContent). Stored, never rendered as given.",
    )
    secured = models.TextField(blank=True, null=True, help_text="Opaque feed data, kept byte for byte.")
    body = models.TextField(blank=True, default="", help_text="Markdown body.")
    # Nullable with no default, so SQLite adds the column in place (a rebuilt table would lose
    # the search triggers that name it); NULL reads as "not rendered": shown as escaped text.
    body_html = models.TextField(
        blank=True, null=True, editable=False,
        help_text="The body rendered and sanitised once, when imported or saved (articles/rendering.py).",
    )
    extra = models.JSONField(default=dict, blank=True, help_text="Keys the format does not list, kept as given.")
    source_keys = models.JSONField(
        default=list, blank=True, editable=False,
        help_text="The top-level keys of the source file, in order.",
    )

    # Curation.
    is_featured = models.BooleanField("featured", default=False, db_index=True)
    pinned_home = models.BooleanField("pinned to home", default=False,
                                      help_text="Pinned articles come first on the home page.")
    locked_fields = models.JSONField(
        default=list, blank=True,
        help_text="Fields an editor changed: imports leave them alone.",
    )

    # Provenance.
    source_path = models.CharField(max_length=1000, blank=True, default="")
    content_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    first_imported_at = models.DateTimeField(blank=True, null=True)
    last_imported_at = models.DateTimeField(blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    topics = TaggableManager(through="ArticleTopic", blank=True, related_name="articles")
    story = models.ForeignKey(
        "Story", on_delete=models.SET_NULL, null=True, blank=True, related_name="articles",
        help_text="The story this article covers, with other outlets' articles (articles/stories/). "
                  "Empty until clustering has seen it.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quality__gte=0), name="article_quality_gte_0"),
            models.CheckConstraint(condition=Q(heat__gte=0), name="article_heat_gte_0"),
        ]
        indexes = [
            models.Index(fields=["is_published", "-published_at"], name="article_pub_date"),
            models.Index(fields=["is_published", "-heat"], name="article_pub_heat"),
            models.Index(fields=["provider", "is_published", "-published_at"], name="article_provider_date"),
            # The provider page's newest-first list, for SQLite as article_public_date below.
            models.Index(fields=["provider", "-published_at", "-id"], condition=visibility.published_flag_q(),
                         name="article_provider_public_date"),
            # Newest published first, for SQLite: Django writes `WHERE "is_published"` (not `= 1`),
            # which cannot use article_pub_date there but does match this partial index.
            models.Index(fields=["-published_at"], condition=visibility.published_flag_q(), name="article_public_date"),
            models.Index(fields=["-published_at"], condition=Q(pinned_home=True), name="article_pinned_home"),
            # The desk's drafts, oldest first, and their count: the few drafts alone.
            models.Index(fields=["published_at", "id"], condition=visibility.status_q(visibility.Status.DRAFT),
                         name="article_drafts"),
        ]

    def __str__(self):
        return display_name(self.title)  # the admin's titles and breadcrumbs, isolated when needed

    def save(self, *args, **kwargs):
        # The stored HTML follows the body wherever an article is saved (admin, curation, shell).
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            rendered = render_body(self.body)
            self.body_html = rendered.html
            self.body_render_problem = rendered.problem  # for the admin's warning; not stored
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"pk": self.pk, "slug": self.slug or "-"})

    @property
    def is_public(self):
        """Whether readers may see it now: `published()` for this one article."""
        return visibility.is_public(self)

    @property
    def modified_at(self):
        """When the article last changed for readers: its published time, or the later time an
        editor or a changed file rewrote it. Not the import date: a first import changes nothing
        the publisher had not already published (sitemap lastmod, feeds, JSON-LD dateModified)."""
        if self.updated_at is None or self.created_at is None or self.updated_at - self.created_at < STORED_ONCE:
            return self.published_at
        return max(filter(None, (self.updated_at, self.published_at)))

    @property
    def published_at_local(self):
        """The published time in the time zone the source gave."""
        if self.published_at is None or self.published_at_offset is None:
            return self.published_at
        return self.published_at.astimezone(dt_timezone(timedelta(minutes=self.published_at_offset)))


# How many periods a topic's archive index lists at most (newest first).
MAX_PERIODS = 120


def period_starts(kind, first, last):
    """[(start, end)] of each year or month from `last`'s back to `first`'s, newest first, as
    aware datetimes at midnight in the site's time zone."""
    zone = timezone.get_current_timezone()
    first, last = timezone.localtime(first, zone), timezone.localtime(last, zone)

    def midnight(year, month):
        return datetime(year, month, 1, tzinfo=zone) if year <= 9999 else datetime.max.replace(tzinfo=zone)

    if kind == "year":
        oldest = max(first.year, last.year - MAX_PERIODS + 1)
        return [(midnight(year, 1), midnight(year + 1, 1)) for year in range(last.year, oldest - 1, -1)]
    months = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month) and len(months) < MAX_PERIODS:
        months.append((midnight(year, month), midnight(*((year + 1, 1) if month == 12 else (year, month + 1)))))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


class ArticleTopicQuerySet(models.QuerySet):
    """Topic pages read the article columns copied onto each link, so one index serves a page."""

    def public(self):
        """Links to articles readers may see: the rule of `Article.objects.published()`, read
        from the link's copies of the article's columns (articles/visibility.py)."""
        return self.filter(visibility.public_q(prefix=visibility.COPY_PREFIX))

    def public_for_topic(self, tag):
        return self.public().filter(tag=tag)

    def topics(self):
        """The topics these links carry: `ArticleTopic.objects.public().topics()` are the topics
        readers may see (any other is a 404 to them)."""
        return Tag.objects.filter(Exists(self.filter(tag=OuterRef("pk"))))

    def outlets(self, limit, *, provider_id=None):
        """The outlets of these links, counted in one pass along the (tag, provider) index:
        `(total, leaders, n)`. `leaders`: the `limit` outlets with most links, ties by name, as
        [{provider__domain, provider__name, articles}]; `n`: the links of `provider_id`, if given.

        One query: the database counts the outlets (~2,000 for the largest topic), sums them
        and names only the leaders, so Python reads ~30 rows, not 2,000 and a second query.
        """
        counts = self.order_by().values_list("article_provider_id").annotate(n=models.Count("*"))
        counts_sql, params = counts.query.get_compiler(self.db).as_sql()
        # Every outlet tied with the `limit`-th is fetched; Python breaks ties by name below, as it
        # sorts (the databases' collations may not). A CTE read three times is computed once
        # (SQLite >= 3.35, PostgreSQL >= 12); a window function measured slower on SQLite.
        sql = f"""
            WITH counts (id, n) AS ({counts_sql})
            SELECT c.id, c.n, p.name, p.domain, CAST((SELECT SUM(n) FROM counts) AS BIGINT)
            FROM counts c LEFT JOIN {Provider._meta.db_table} p ON p.id = c.id
            WHERE c.n >= COALESCE((SELECT n FROM counts ORDER BY n DESC LIMIT 1 OFFSET %s), 0) OR c.id = %s"""
        with connections[self.db].cursor() as cursor:
            # Plain rows: the ORM's per-row converters and cached results are not needed here.
            cursor.execute(sql, (*params, limit - 1, provider_id))
            rows = cursor.fetchall()
        total = rows[0][4] if rows else 0
        cutoff = sorted((n for _, n, *_ in rows), reverse=True)[limit - 1] if len(rows) >= limit else 0
        named = sorted((-n, name, domain) for _, n, name, domain, _ in rows if n >= cutoff and name is not None)
        leaders = [{"provider__domain": domain, "provider__name": name, "articles": -negative}
                   for negative, name, domain in named[:limit]]
        return total, leaders, next((n for pk, n, *_ in rows if pk == provider_id), 0)

    def published_between(self, start, end):
        """Links whose article was published in [start, end): a topic's date archive."""
        return self.filter(article_published_at__gte=start, article_published_at__lt=end)

    def periods(self, kind, *, counted=True):
        """[{"period": datetime, "articles": n or None}] newest first, by `kind` "year" or
        "month" of the articles' published time (in the site's time zone), for the periods that
        have articles: the archive's index. `counted=False` only says which periods have some.

        Read as ranges of the date index (the first and last dates, then one question per
        period between them), never by truncating each row's date: SQLite's date functions run
        in Python, once per row, which took 130 ms for a topic of 23,000 articles. Only the
        newest MAX_PERIODS periods are listed (an odd date centuries back stays reachable by URL)."""
        links = self.order_by()
        first, last = links.date_bounds()
        if first is None:
            return []
        starts = period_starts(kind, first, last)[:MAX_PERIODS]
        if counted:
            counts = links._count_dates_between(starts)
        else:
            counts = [None if present else 0 for present in links._have_dates_between(starts)]
        return [{"period": start, "articles": n} for (start, _), n in zip(starts, counts) if n != 0]

    # Questions about the links' dates, asked of the topic indexes, which lead with (tag, pinned):
    # for each value of `pinned` apart the dates are in index order, so each answer is an index
    # seek, where MIN/MAX or a date range over the whole topic read every link of it. Plain SQL
    # around the queryset's own WHERE: the ORM took longer to compile these subqueries than the
    # database took to answer them.
    def _date_sql(self, condition):
        """(this queryset's SELECT of published times with `condition` put first in its WHERE,
        its params, the quoted column). `condition` is SQL with %s params naming {table} and
        {column}. First, because SQLite bounds its index range by the first upper bound it reads,
        and `published_at <= now` of the public rule would otherwise make it walk from today."""
        sql, params = self.order_by().values("article_published_at").query.sql_with_params()
        head, _, where = sql.partition(" WHERE ")
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        column = f'{table}."article_published_at"'
        condition = condition.format(table=table, column=column)
        return f"{head} WHERE {condition}" + (f" AND ({where})" if where else ""), list(params), column

    def _ask(self, sql, params):
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def date_bounds(self):
        """(oldest, newest) published time of the links, or (None, None): one query."""
        if self.query.is_empty():
            return None, None
        sql, params, column = self._date_sql('{table}."pinned" = %s')
        edges = [f"({sql} ORDER BY {column} {direction} LIMIT 1)"
                 for direction in ("ASC", "DESC") for _ in (False, True)]
        dates = [self._as_datetime(value) for value in self._ask(
            "SELECT " + ", ".join(edges), [value for _ in range(2) for pinned in (False, True)
                                            for value in (pinned, *params)])]
        oldest = [date for date in dates[:2] if date is not None]
        newest = [date for date in dates[2:] if date is not None]
        return (min(oldest) if oldest else None), (max(newest) if newest else None)

    def _have_dates_between(self, periods):
        """For each (start, end): whether a link's published time is in [start, end); one query,
        asked as "the newest date before `end`" (a seek, then one row)."""
        adapt = connections[self.db].ops.adapt_datetimefield_value
        sql, params, column = self._date_sql('{table}."pinned" = %s AND {column} < %s')
        question = f"({sql} ORDER BY {column} DESC LIMIT 1)"
        values = [value for _, end in periods for pinned in (False, True) for value in (pinned, adapt(end), *params)]
        row = self._ask("SELECT " + ", ".join([question] * (2 * len(periods))), values)
        newest = [self._as_datetime(value) for value in row]
        return [any(date is not None and date >= start for date in newest[2 * i:2 * i + 2])
                for i, (start, _) in enumerate(periods)]

    def _count_dates_between(self, periods):
        """For each (start, end), newest first: how many links' published times are in it; one
        query reading only the links between the oldest start and the newest end."""
        adapt = connections[self.db].ops.adapt_datetimefield_value
        sql, params, column = self._date_sql('{table}."pinned" = %s AND {column} >= %s AND {column} < %s')
        span = [adapt(periods[-1][0]), adapt(periods[0][1])]
        count = 'COUNT(CASE WHEN d."article_published_at" >= %s AND d."article_published_at" < %s THEN 1 END)'
        values = [adapt(moment) for period in periods for moment in period]
        return list(self._ask(f"SELECT {', '.join([count] * len(periods))} FROM ({sql} UNION ALL {sql}) d",
                              [*values, False, *span, *params, True, *span, *params]))

    def _as_datetime(self, value):
        """A raw cursor's published time as the ORM gives it (SQLite's: naive UTC, or text)."""
        if value is None:
            return None
        connection = connections[self.db]
        column = self.model._meta.get_field("article_published_at").get_col(self.model._meta.db_table)
        for converter in connection.ops.get_db_converters(column):
            value = converter(value, column, connection)
        return value

    # The same orders as ArticleQuerySet's, pinned links first (topic pages put them on top).
    # Heat and quality are copied with -1 for "none", so plain DESC puts them last on every engine.
    def latest(self):
        return self.order_by("-pinned", "-article_published_at", "-content_object_id")

    def trending(self):
        return self.order_by("-pinned", "-article_heat", "-article_published_at", "-content_object_id")

    def by_quality(self):
        return self.order_by("-pinned", "-article_quality", "-article_published_at", "-content_object_id")


# Links to published articles: topic pages read only these, and the partial indexes below
# match Django's `WHERE "article_is_published"` on SQLite (a plain boolean column would not).
PUBLIC_LINK = visibility.published_flag_q(prefix=visibility.COPY_PREFIX)


class ArticleTopic(TaggedItemBase):
    """An article's topic, keeping the position and spelling its file used."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topic_links")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=100, blank=True, default="",
                             help_text="The topic as the source spelled it, e.g. “ai” for the topic AI.")
    pinned = models.BooleanField(default=False, help_text="Pinned articles come first on the topic page.")

    # Copies of the article's columns that a topic page filters and sorts by, kept by database
    # triggers (migration 0007) whoever writes: importer, admin, queryset.update(), a shell.
    # Nullable with no default: raw INSERTs of every field write NULL and the trigger fills them
    # (and SQLite adds such columns in place instead of rebuilding a table other triggers name).
    article_is_published = models.BooleanField(null=True, editable=False)
    article_published_at = models.DateTimeField(null=True, editable=False)
    article_heat = models.IntegerField(null=True, editable=False, help_text="The article's heat; -1 when it has none.")
    article_quality = models.IntegerField(null=True, editable=False,
                                          help_text="The article's quality; -1 when it has none.")
    article_provider_id = models.BigIntegerField(null=True, editable=False)

    objects = ArticleTopicQuerySet.as_manager()

    class Meta:
        verbose_name = "article topic"
        # No unique (article, position): taggit's own add()/set() (the admin form) writes
        # position 0; order is (position, id), so ties still list in insertion order.
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="article_topic_unique"),
        ]
        indexes = [
            models.Index(fields=["tag", "content_object"], name="articletopic_tag_article"),
            # One per topic-page order (and the outlet filter): the page, its count and its
            # offset are read from the index alone, whatever the topic's size or the page's depth.
            # The flag of the condition is a column too: without it SQLite reads each link's
            # table row for `WHERE "article_is_published"`, one per link of the topic.
            # No index may lead with (tag, article_published_at): SQLite would prefer it for the
            # `published_at <= now` range and then sort the whole topic for every order.
            models.Index(fields=["tag", "-pinned", "-article_published_at", "-content_object",
                                 "article_is_published"],
                         condition=PUBLIC_LINK, name="topic_public_latest"),
            models.Index(fields=["tag", "-pinned", "-article_heat", "-article_published_at", "-content_object",
                                 "article_is_published"],
                         condition=PUBLIC_LINK, name="topic_public_heat"),
            models.Index(fields=["tag", "-pinned", "-article_quality", "-article_published_at", "-content_object",
                                 "article_is_published"],
                         condition=PUBLIC_LINK, name="topic_public_quality"),
            models.Index(fields=["tag", "article_provider_id", "-pinned", "-article_published_at", "-content_object",
                                 "article_is_published"],
                         condition=PUBLIC_LINK, name="topic_public_provider"),
            # The few pinned links alone (the feed merges them with the newest others).
            models.Index(fields=["tag", "-article_published_at", "-content_object"],
                         condition=PUBLIC_LINK & Q(pinned=True), name="topic_public_pinned"),
        ]

    def __str__(self):
        return f"{self.content_object_id} → {self.tag}"


def alias_key(name):
    """How an alias's name is matched: the importer's case-insensitive spelling of a topic."""
    return name.strip().casefold()


class TopicRedirect(models.Model):
    """A topic alias: an old name and/or slug (after a rename or merge) that now means another
    topic. The importer resolves the name (case-insensitively, `old_key`) and the slug; the topic
    pages and feeds answer the slug with a 301. Never the name or slug of a live topic
    (articles/curation.py keeps it so)."""

    old_slug = models.SlugField(max_length=100, unique=True, allow_unicode=True, blank=True, null=True)
    old_name = models.CharField(max_length=100, blank=True, null=True)
    old_key = models.CharField(max_length=100, unique=True, blank=True, null=True, editable=False)
    topic = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "topic alias"
        verbose_name_plural = "topic aliases"

    def __str__(self):
        return f"{display_name(self.old_name or self.old_slug)} → {self.topic}"

    def save(self, *args, **kwargs):
        self.old_name = self.old_name or None
        self.old_slug = self.old_slug or None
        self.old_key = alias_key(self.old_name) if self.old_name else None
        super().save(*args, **kwargs)


class ProviderAlias(models.Model):
    """A merged-away provider's domain: its articles and related links, in later imports too,
    belong to `provider`, and its page answers with a 301 to the provider's."""

    domain = models.CharField(max_length=253, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "provider alias"
        verbose_name_plural = "provider aliases"

    def __str__(self):
        return f"{self.domain} → {self.provider.domain}"

    def save(self, *args, **kwargs):
        self.domain = normalize_domain(self.domain)
        super().save(*args, **kwargs)


class Topic(Tag):
    """Taggit's Tag under the name the site uses: the admin manages topics, never "tags"."""

    class Meta:
        proxy = True
        verbose_name = "topic"
        verbose_name_plural = "topics"


def image_upload_to(instance, filename):
    return f"articles/{instance.article_id}/{filename}"


# Item types whose page shows every image (a grid), not only the lead: their images are all fetched.
SLIDESHOW_TYPES = ("slideshow", "gallery")


class Image(models.Model):
    """One of an article's images, in the order its file listed them."""

    class FetchStatus(models.TextChoices):
        """Where fetching the feed's URL into local storage stands (articles/image_jobs.py)."""

        NEW = "", "Not fetched"
        DONE = "done", "Fetched"
        RETRY = "retry", "Failed, will retry"
        REFUSED = "refused", "Refused"
        GAVE_UP = "gave_up", "Gave up"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    url = models.URLField(max_length=2000, blank=True, null=True)
    width = models.PositiveIntegerField(blank=True, null=True)
    height = models.PositiveIntegerField(blank=True, null=True)
    is_cached = models.BooleanField(blank=True, null=True, help_text="The feed keeps a cached copy (isCached).")
    title = models.CharField(max_length=1000, blank=True, null=True)
    file = models.ImageField(upload_to=image_upload_to, blank=True, help_text="An image uploaded by an editor.")
    thumbnail = models.ImageField(upload_to="thumbnails/", blank=True, editable=False)
    extra = models.JSONField(default=dict, blank=True)
    source_keys = models.JSONField(default=list, blank=True, editable=False)
    renditions = models.JSONField(
        default=list, blank=True, editable=False,
        help_text="WebP copies made here, narrowest first: [[width, storage name], …] (of the upload, else of fetch_url).",
    )
    fetch_url = models.URLField(max_length=2000, blank=True, default="", editable=False,
                                help_text="The feed URL the fetch status and renditions are about.")
    fetch_status = models.CharField(max_length=10, choices=FetchStatus.choices, blank=True, default="", editable=False)
    fetch_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    fetch_next_at = models.DateTimeField(blank=True, null=True, editable=False, help_text="Not tried again before this.")
    fetch_error = models.CharField(max_length=300, blank=True, default="", editable=False)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="image_position_unique"),
        ]
        indexes = [models.Index(fields=["fetch_status", "fetch_next_at"], name="image_fetch_due")]

    def __str__(self):
        return self.title or self.url or (self.file.name if self.file else f"image {self.pk}")

    @property
    def src(self):
        """The address a page should load: the uploaded file first, else the feed's URL."""
        if self.file:
            return self.file.url
        return self.url


class ImageHost(models.Model):
    """A host feed images are fetched from, resting after failures so a host that is down is not
    asked again for each of its images (articles/image_jobs.py)."""

    host = models.CharField(max_length=255, unique=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failures in a row; a success resets it.")
    next_try_at = models.DateTimeField(blank=True, null=True, help_text="No image is fetched from this host before then.")
    last_error = models.CharField(max_length=300, blank=True, default="")

    def __str__(self):
        return self.host


class RelatedLink(models.Model):
    """Other coverage of the same story, in the order the file listed it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=1000, blank=True, null=True)
    excerpt = models.TextField(blank=True, null=True)
    published_at = models.DateTimeField(blank=True, null=True)
    published_at_offset = models.IntegerField(blank=True, null=True, editable=False)
    web_url = models.URLField(max_length=2000, blank=True, null=True, db_index=True)
    amp_url = models.URLField(max_length=2000, blank=True, null=True)
    cdn_amp_url = models.URLField(max_length=2000, blank=True, null=True)
    item_type = models.CharField("type", max_length=50, blank=True, null=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="related_links",
                                 blank=True, null=True)
    provider_source = models.JSONField(blank=True, null=True, editable=False)
    quality = models.PositiveIntegerField(blank=True, null=True)
    images = models.JSONField(blank=True, null=True, help_text="The related item's images, as given.")
    extra = models.JSONField(default=dict, blank=True)
    source_keys = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="related_position_unique"),
            models.CheckConstraint(condition=Q(quality__gte=0), name="related_quality_gte_0"),
        ]

    def __str__(self):
        return self.title or self.web_url or f"related {self.pk}"


class ImportJob(models.Model):
    """An admin upload imported in the background; the editor watches its progress and result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(blank=True, null=True)
    finished_at = models.DateTimeField(blank=True, null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    staging_dir = models.CharField(max_length=1000, help_text="Where the uploaded files wait for the worker.")
    names = models.JSONField(default=dict, help_text="Staged path → the name the editor uploaded.")
    refused_before_import = models.JSONField(default=list, help_text="Files refused while unpacking the upload.")
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(blank=True, null=True, help_text="Summary, refused files, warnings and outcomes.")
    error = models.TextField(blank=True, default="")
    # A worker's lease: it renews heartbeat_at as it goes; a job whose heartbeat is older than
    # NEWSROOM_JOB_STALE_SECONDS lost its worker and is queued again (articles/import_jobs.py).
    task_id = models.CharField(max_length=64, blank=True, default="")
    attempt = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(blank=True, null=True)
    imported = models.JSONField(
        default=dict, blank=True, help_text="Staged path → [outcome, article id], batch by batch, across attempts."
    )
    events = models.JSONField(default=list, blank=True, help_text="What happened to the job, for the editor.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import job"

    def __str__(self):
        return f"Import #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent_done(self):
        return int(100 * self.files_done / self.files_total) if self.files_total else 100


class ArticleVersion(models.Model):
    """An article's editable fields as they stood after one save, action, restore or import.

    Written by articles/revisions.py; the article's History page compares and restores them.
    """

    class Origin(models.TextChoices):
        EDITOR = "editor", "Editor"
        IMPORT = "import", "Feed import"
        RESTORE = "restore", "Restored"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="article_versions"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    message = models.CharField(max_length=300, blank=True, default="")
    snapshot = models.JSONField(
        encoder=DjangoJSONEncoder, help_text="The editable fields (articles.revisions.VERSIONED) at this version."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "article version"
        indexes = [models.Index(fields=["article", "-created_at", "-id"], name="articleversion_article_date")]

    def __str__(self):
        return f"{self.article_id} at {self.created_at:%Y-%m-%d %H:%M} ({self.get_origin_display()})"


class ContentVersion(models.Model):
    """One row: the version of everything readers see, bumped by every change.

    Kept in the database so that every process (app servers with their own memory caches, the
    import command, the job worker) agrees on it without a shared cache.
    """

    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "content version"


class ExportJob(models.Model):
    """Articles an editor chose to export, written to a zip in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="export_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(blank=True, null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    article_ids = models.JSONField(default=list)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    archive = models.CharField(max_length=1000, blank=True, default="", help_text="The finished zip on disk.")
    error = models.TextField(blank=True, default="")
    # The worker's lease, as for ImportJob: a stale job is started again by another worker.
    attempt = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(blank=True, null=True)
    events = models.JSONField(default=list, blank=True, help_text="What happened to the job, for the editor.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "export job"

    def __str__(self):
        return f"Export #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


# Stories' tables live beside their code; importing them here registers them with the app.
from .stories.models import ArticleVector, Story, StoryDecision  # noqa: E402,F401

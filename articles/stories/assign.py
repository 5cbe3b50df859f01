"""Putting articles in stories: the pending ones (`story` empty) after an import, or all of them
(`rebuild`), keeping editors' decisions (StoryDecision) and locked stories as they are.

Pending articles are placed in time order (published time, else first import; then id), so one
import gives the same stories whatever order its files came in. They are read and written in chunks
so that memory stays flat however many are pending; the stories near them in time come from the
database with their members' stored vectors.
"""

import hashlib
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce

from ..models import Article, ArticleVector, RelatedLink, Story, StoryDecision
from ..page_cache import content_changed
from . import clustering

CHUNK = 2000


@dataclass
class ClusterReport:
    articles: int = 0
    stories_created: int = 0
    stories_merged: int = 0
    vectors_computed: int = 0
    touched_story_ids: set = field(default_factory=set)


def text_of(title):
    return " ".join((title or "").split())


def text_hash(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seconds(when):
    return when.timestamp() if when is not None else 0.0


def pending_count():
    return Article.objects.filter(story__isnull=True).count()


LOCK_KEY = "newsroom:stories:clustering"
LOCK_SECONDS = 3600


@contextmanager
def clustering_lock(*, wait=True, poll=1.0):
    """One clustering run at a time (two would place the same pending articles twice). Held in the
    shared cache (Redis in production); yields False without waiting when `wait` is off and it is taken."""
    token = uuid.uuid4().hex
    while not cache.add(LOCK_KEY, token, LOCK_SECONDS):
        if not wait:
            yield False
            return
        time.sleep(poll)
    try:
        yield True
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def cluster_pending(*, rebuild=False, encoder=None, chunk=CHUNK, on_progress=None, thresholds=None):
    """Place every article whose story is empty (all of them with `rebuild`); returns a ClusterReport.
    `encoder` (anything with `encode(texts)`) and `thresholds` (`join`, `merge`) are for the benchmark."""
    report = ClusterReport()
    if rebuild:
        _forget_computed_stories()
    while True:
        rows = list(
            Article.objects.filter(story__isnull=True)
            .annotate(when=Coalesce("published_at", "first_imported_at", "created_at"))
            .order_by("when", "id")
            .values_list("id", "title", "when", "identity_url")[:chunk]
        )
        if not rows:
            break
        _place_chunk(rows, report, encoder, thresholds or {})
        if on_progress:
            on_progress(report)
    if report.articles:
        content_changed()
    return report


def _forget_computed_stories():
    """Before a rebuild: only the stories editors touched stay, with only the articles they placed."""
    with transaction.atomic():
        Article.objects.filter(story__isnull=False, story_decision__isnull=True).update(story=None)
        Story.objects.filter(decisions__isnull=True, locked=False).delete()
        refresh_stories(set(Story.objects.values_list("pk", flat=True)))


def _place_chunk(rows, report, encoder, thresholds):
    ids = [pk for pk, *_ in rows]
    vectors = vectors_for(rows, encoder=encoder, report=report)
    times = [_seconds(when) for _, _, when, _ in rows]
    window = clustering.WINDOW_SECONDS
    clusterer = clustering.Clusterer(_stored_stories(min(times) - window, max(times) + window), **thresholds)
    hints = _hints(ids, [url for *_, url in rows])
    placed = {}
    for pk, when in zip(ids, times):
        hint = hints.get(pk)
        if isinstance(hint, tuple):  # an article of this chunk, placed already (or not yet)
            hint = placed.get(hint[1])
        placed[pk] = clusterer.add(pk, vectors[pk], when, hint=hint)
    # Articles a related link placed stay there; the others get a second look.
    hinted = {pk: placed[pk] for pk in placed if pk in hints}
    placed = clusterer.refine({pk: vectors[pk] for pk in placed if pk not in hinted},
                              {pk: key for pk, key in placed.items() if pk not in hinted})
    placed.update({pk: clusterer.resolve(key) for pk, key in hinted.items()})
    with transaction.atomic():
        _write(clusterer, placed, report)
    report.articles += len(rows)


def vectors_for(rows, *, encoder=None, report=None):
    """{article id: unit vector} for (id, title, ...) rows: stored ones if the title is unchanged,
    the rest computed and stored."""
    texts = {pk: text_of(title) for pk, title, *_ in rows}
    stored = {v.article_id: v for v in ArticleVector.objects.filter(article_id__in=list(texts))}
    vectors, missing = {}, []
    for pk, text in texts.items():
        kept = stored.get(pk)
        if kept is not None and kept.text_hash == text_hash(text):
            vectors[pk] = kept.as_array()
        else:
            missing.append(pk)
    if missing:
        if encoder is None:
            from .encoder import get_encoder

            encoder = get_encoder()
        computed = encoder.encode([texts[pk] for pk in missing])
        ArticleVector.objects.filter(article_id__in=missing).delete()
        ArticleVector.objects.bulk_create(
            [ArticleVector(article_id=pk, text_hash=text_hash(texts[pk]), vector=computed[i].tobytes())
             for i, pk in enumerate(missing)],
            batch_size=500,
        )
        vectors.update({pk: computed[i] for i, pk in enumerate(missing)})
        if report is not None:
            report.vectors_computed += len(missing)
    return vectors


def _stored_stories(start, end):
    """The stories of the database within [start, end] (seconds), with their members' vector sums."""
    from datetime import datetime, timezone

    since = datetime.fromtimestamp(start, timezone.utc)
    until = datetime.fromtimestamp(end, timezone.utc)
    stories = {
        s.pk: s for s in Story.objects.filter(
            Q(last_published_at__gte=since) | Q(last_published_at__isnull=True),
            Q(first_published_at__lte=until) | Q(first_published_at__isnull=True),
        ).only("id", "locked", "first_published_at", "last_published_at")
    }
    totals, sizes = {}, {}
    members = ArticleVector.objects.filter(article__story_id__in=list(stories)).values_list(
        "article__story_id", "vector"
    )
    for story_id, vector in members.iterator(chunk_size=2000):
        array = np.frombuffer(bytes(vector), dtype=np.float32)
        totals[story_id] = totals[story_id] + array if story_id in totals else array.copy()
        sizes[story_id] = sizes.get(story_id, 0) + 1
    return [
        clustering.Story(pk, totals[pk], sizes[pk], _seconds(s.first_published_at), _seconds(s.last_published_at),
                         locked=s.locked)
        for pk, s in stories.items() if pk in totals
    ]


def _hints(ids, identity_urls):
    """{article id: story id, or ("article", id) of a pending one}: the feed's `related` links,
    followed both ways (this article lists another, or another lists this one)."""
    pending = dict(zip(identity_urls, ids))
    outgoing = list(RelatedLink.objects.filter(article_id__in=ids, web_url__isnull=False)
                    .values_list("article_id", "web_url"))
    targets = {url: (pk, story) for url, pk, story in Article.objects.filter(
        identity_url__in={url for _, url in outgoing}).values_list("identity_url", "id", "story_id")}
    hints = {}
    for article_id, url in outgoing:
        if article_id in hints or url not in targets:
            continue
        pk, story = targets[url]
        if story is not None:
            hints[article_id] = story
        elif pk in pending.values() and pk != article_id:
            hints[article_id] = ("article", pk)
    incoming = RelatedLink.objects.filter(web_url__in=list(pending)).values_list("web_url", "article_id", "article__story_id")
    for url, source_id, story in incoming:
        article_id = pending[url]
        if article_id in hints or source_id == article_id:
            continue
        if story is not None:
            hints[article_id] = story
        elif source_id in pending.values():
            hints[article_id] = ("article", source_id)
    return hints


def _write(clusterer, placed, report):
    final = {pk: clusterer.resolve(key) for pk, key in placed.items()}
    new_keys = sorted({key for key in final.values() if isinstance(key, tuple)}, key=lambda k: k[1])
    created = Story.objects.bulk_create([Story() for _ in new_keys])
    story_ids = {key: story.pk for key, story in zip(new_keys, created)}
    report.stories_created += len(created)
    # Stored stories merged into another: their articles and editors' placements follow.
    merged = {old: clusterer.resolve(old) for old in clusterer.merged_into if not isinstance(old, tuple)}
    for old, new in merged.items():
        new_id = story_ids.get(new, new)
        Article.objects.filter(story_id=old).update(story_id=new_id)
        StoryDecision.objects.filter(story_id=old).update(story_id=new_id)
        report.touched_story_ids.add(new_id)
    if merged:
        Story.objects.filter(pk__in=list(merged)).delete()
        report.stories_merged += len(merged)
    articles = [Article(pk=pk, story_id=story_ids.get(key, key)) for pk, key in final.items()]
    Article.objects.bulk_update(articles, ["story"], batch_size=500)
    touched = {a.story_id for a in articles} | {story_ids.get(k, k) for k in merged.values()}
    report.touched_story_ids |= touched
    centroids = {story_ids.get(key, key): s.total for key, s in clusterer.stories.items()}
    refresh_stories(touched, centroids=centroids)


def refresh_stories(story_ids, *, centroids=None):
    """Recount the given stories (size, outlets, first/last published, computed lead, centroid);
    delete those left empty."""
    story_ids = [pk for pk in story_ids if pk is not None]
    if not story_ids:
        return
    stats = {
        row["story_id"]: row for row in Article.objects.filter(story_id__in=story_ids).order_by()
        .annotate(when=Coalesce("published_at", "first_imported_at", "created_at"))
        .values("story_id").annotate(size=Count("id"), outlets=Count("provider_id", distinct=True),
                                     first=Min("when"), last=Max("when"))
    }
    Story.objects.filter(pk__in=[pk for pk in story_ids if pk not in stats], locked=False).delete()
    leads = {}
    # The computed lead: the first published of the story's articles (the outlet that broke it).
    for story_id, article_id in (
        Article.objects.filter(story_id__in=list(stats))
        .order_by("story_id", Coalesce("published_at", "created_at").asc(), "id")
        .values_list("story_id", "id")
    ):
        leads.setdefault(story_id, article_id)
    if centroids is None or any(pk not in centroids for pk in stats):
        centroids = dict(centroids or {})
        for story_id, vector in ArticleVector.objects.filter(
            article__story_id__in=[pk for pk in stats if pk not in centroids]
        ).values_list("article__story_id", "vector"):
            array = np.frombuffer(bytes(vector), dtype=np.float32)
            centroids[story_id] = centroids[story_id] + array if story_id in centroids else array.copy()
    stories = list(Story.objects.filter(pk__in=list(stats)))
    for story in stories:
        row = stats[story.pk]
        story.size, story.outlets = row["size"], row["outlets"]
        story.first_published_at, story.last_published_at = row["first"], row["last"]
        if not story.lead_chosen or story.lead_id is None:
            story.lead_id, story.lead_chosen = leads[story.pk], False
        total = centroids.get(story.pk)
        if total is not None:
            story.centroid = (total / (np.linalg.norm(total) or 1.0)).astype(np.float32).tobytes()
    Story.objects.bulk_update(
        stories, ["size", "outlets", "first_published_at", "last_published_at", "lead", "lead_chosen", "centroid"],
        batch_size=500,
    )


def time_window():
    return timedelta(seconds=clustering.WINDOW_SECONDS)

"""Feed images made ours: the background job that fetches remote images into MEDIA_ROOT as WebP
renditions (articles/images.py), so pages stop hot-linking publishers.

Off unless `NEWSROOM_FETCH_IMAGES` is set. Which images: each article's lead image, and every image
of a slideshow (the pages that show them); never one with an upload. Each image row keeps where its
fetch stands (`Image.fetch_*`): an image fetched from its current URL is never fetched again (a
re-import that keeps the URL keeps the renditions: articles/importer/write.py); a URL another row has
already fetched is reused without a request; a refused URL (private address, not an image, too
large, 404) is not asked again until it changes; a failure (time-out, connection, 5xx) is retried
after a back-off that doubles each time, up to MAX_ATTEMPTS. A host that fails rests as well
(`ImageHost`), so a publisher that is down is not asked again for each of its images.

The network side, and every limit on it, is articles/image_fetch.py.
"""

import io
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_tasks import task

from . import image_fetch, images
from .models import SLIDESHOW_TYPES, Article, Image, ImageHost
from .signals import content_changed

MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(days=1)
BATCH = 200
LOCK_KEY = "newsroom:image-fetch-lock"
LOCK_SECONDS = 30 * 60


@dataclass
class FetchReport:
    fetched: int = 0  # URLs fetched and made into renditions
    reused: int = 0  # image rows given renditions another row's fetch of the same URL had made
    refused: int = 0  # URLs that will not be asked again until they change
    failed: int = 0  # URLs that failed this time and will be retried after a back-off
    deferred: int = 0  # URLs left for later: their host is resting after failures
    problems: list = field(default_factory=list)  # (url, why) of each refusal and failure

    def summary(self):
        return (
            f"{self.fetched} fetched, {self.reused} reused, {self.refused} refused, "
            f"{self.failed} failed (will retry), {self.deferred} deferred (host resting)"
        )


def backoff(failures):
    """How long to rest after `failures` failures in a row: the setting, doubled each time, up to a day."""
    seconds = settings.NEWSROOM_FETCH_BACKOFF_SECONDS * 2 ** min(max(failures, 1) - 1, 20)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def due(now=None):
    """The image rows to fetch now: shown images (a lead, a slideshow's) with an http(s) URL and no
    upload, never fetched from their current URL, or failed and rested."""
    now = now or timezone.now()
    return (
        Image.objects.filter(Q(url__istartswith="http://") | Q(url__istartswith="https://"), file="")
        .alias(kind=Lower("article__item_type"))
        .filter(Q(position=0) | Q(kind__in=SLIDESHOW_TYPES))
        .filter(
            Q(fetch_status=Image.FetchStatus.NEW)
            | Q(fetch_status=Image.FetchStatus.RETRY, fetch_next_at__lte=now)
            | ~Q(fetch_url=F("url"))  # an editor changed the URL
        )
    )


def due_count():
    return due().values("url").distinct().count()


@contextmanager
def fetch_lock():
    """One fetching run at a time (two would fetch the same URLs); in the shared cache. Yields False
    when another run holds it."""
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, LOCK_SECONDS):
        yield False
        return
    try:
        yield True
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def fetch_images(*, limit=None, on_progress=None, limits=None):
    """Fetch what is due (at most `limit` URLs) and return a FetchReport; nothing when the setting is off.
    `on_progress(report)` after each URL."""
    report = FetchReport()
    if not settings.NEWSROOM_FETCH_IMAGES:
        return report
    limits = limits or image_fetch.Limits.from_settings()
    refused = {}  # url -> why, this run: its other rows are refused without asking again
    tried, last_pk = set(), None
    while limit is None or len(tried) < limit:
        changed = False
        now = timezone.now()
        rows = due(now).order_by("-pk")  # the newest images first, each row once (keyset)
        if last_pk is not None:
            rows = rows.filter(pk__lt=last_pk)
        rows = list(rows.values_list("pk", "url")[:BATCH])
        if not rows:
            break
        last_pk = rows[-1][0]
        by_url = {}
        for pk, url in rows:
            by_url.setdefault(url, []).append(pk)
        reusable = dict(
            Image.objects.filter(url__in=by_url, fetch_url=F("url"), fetch_status=Image.FetchStatus.DONE)
            .exclude(renditions=[]).values_list("url", "renditions")
        )
        for url, pks in by_url.items():
            if url in reusable:
                _record(pks, url, Image.FetchStatus.DONE, renditions=reusable[url])
                report.reused += len(pks)
                changed = True
                if on_progress:
                    on_progress(report)
            elif url in refused:
                _record(pks, url, Image.FetchStatus.REFUSED, error=refused[url])
            elif url in tried or (limit is not None and len(tried) >= limit):
                continue  # failed or deferred earlier in this run; or over the limit
            else:
                tried.add(url)
                changed |= _fetch_one(url, pks, report, limits, now, refused)
                if on_progress:
                    on_progress(report)
        if changed:
            content_changed.send(sender=Article)  # cached pages pick up this batch's renditions
    return report


def _fetch_one(url, pks, report, limits, now, refused):
    """Fetch `url` for the image rows `pks`; True when they got renditions."""
    host = (urlsplit(url).hostname or "").lower()[:255]
    resting = ImageHost.objects.filter(host=host, next_try_at__gt=now).exists()
    if resting:
        report.deferred += 1
        return False
    try:
        data = image_fetch.fetch(url, limits)
        renditions = _renditions(data, url)
    except image_fetch.Refused as exc:
        refused[url] = str(exc)
        _record(pks, url, Image.FetchStatus.REFUSED, error=str(exc))
        report.refused += 1
        report.problems.append((url, f"refused: {exc}"))
        return False
    except image_fetch.Failed as exc:
        _failed(pks, url, host, str(exc), now)
        report.failed += 1
        report.problems.append((url, f"failed: {exc}"))
        return False
    _record(pks, url, Image.FetchStatus.DONE, renditions=renditions)
    ImageHost.objects.filter(host=host, failures__gt=0).update(failures=0, next_try_at=None, last_error="")
    report.fetched += 1
    return True


def _renditions(data, url):
    """Stored renditions of `data`, or Refused: Pillow checks the whole picture (verify, then a real
    decode) within the pixel budget before any rendition is made."""
    try:
        images.inspect_upload(io.BytesIO(data))
        _, _, made = images.renditions_of(io.BytesIO(data))
    except ValidationError as exc:
        raise image_fetch.Refused(" ".join(exc.messages)) from None
    except Exception as exc:  # Pillow raises many kinds for a damaged picture
        raise image_fetch.Refused(f"not a readable image ({type(exc).__name__})") from None
    return images.store_renditions(url, made)


def _record(pks, url, status, *, renditions=None, error=""):
    Image.objects.filter(pk__in=pks).update(
        fetch_url=url, fetch_status=status, fetch_error=error[:300], fetch_next_at=None,
        fetch_attempts=F("fetch_attempts") + 1 if status != Image.FetchStatus.DONE else 0,
        **({"renditions": renditions} if renditions is not None else {}),
    )


def _failed(pks, url, host, error, now):
    """Rest the host, and the images (each by its own count of failures; given up after MAX_ATTEMPTS)."""
    record, _ = ImageHost.objects.get_or_create(host=host)
    record.failures += 1
    record.next_try_at, record.last_error = now + backoff(record.failures), error[:300]
    record.save(update_fields=["failures", "next_try_at", "last_error"])
    for image in Image.objects.filter(pk__in=pks).only("pk", "url", "fetch_url", "fetch_attempts"):
        attempts = (image.fetch_attempts if image.fetch_url == url else 0) + 1
        given_up = attempts >= MAX_ATTEMPTS
        Image.objects.filter(pk=image.pk).update(
            fetch_url=url, fetch_attempts=attempts, fetch_error=error[:300],
            fetch_status=Image.FetchStatus.GAVE_UP if given_up else Image.FetchStatus.RETRY,
            fetch_next_at=None if given_up else now + backoff(attempts),
        )


@task()
def fetch_remote_images():
    """The background run (`manage.py db_worker`)."""
    with fetch_lock() as acquired:
        if not acquired:
            return {"skipped": "another image fetching run is in progress"}
        started = time.monotonic()
        report = fetch_images()
    counts = {name: getattr(report, name) for name in ("fetched", "reused", "refused", "failed", "deferred")}
    return {**counts, "seconds": round(time.monotonic() - started, 1)}


def enqueue_after_import(report):
    """Called after an import run: queue the fetcher when it is on and the run wrote anything."""
    if not settings.NEWSROOM_FETCH_IMAGES or report is None or not (report.created or report.updated):
        return None
    return fetch_remote_images.enqueue()

"""Background exports: the admin's "Export as front-matter files" becomes an ExportJob a worker runs.

However many articles are chosen, the request only records their ids and queues the job; the
worker writes one zip on disk, article by article (memory stays flat), and the job page links
to it. The download is streamed from the file, so no request waits on the export.

A worker that dies mid-export is noticed as for imports (articles/import_jobs.py): the job row
is its lease, renewed about every second; `recover_stale_exports` queues a job whose lease went
stale again, and the next attempt writes the zip from the start (an export changes nothing, so
running it again is safe); the attempt number fences a presumed-dead worker off.
"""

import logging
import os
import time
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .exporter import export_article, export_filename, export_queryset
from .models import Article, ExportJob

logger = logging.getLogger(__name__)

CHUNK = 500
PROGRESS_EVERY_SECONDS = 1.0
# Finished zips are kept this long for their editor to download, then removed.
KEEP = timedelta(days=1)


def start_export(queryset, *, user):
    """Record the chosen articles and queue their export. Returns the ExportJob."""
    remove_old_archives()
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    job = ExportJob.objects.create(created_by=user, article_ids=ids, files_total=len(ids))
    run_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def remove_old_archives():
    """Delete the zips of exports finished more than KEEP ago (their job pages then say so)."""
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=timezone.now() - KEEP).exclude(archive="")
    for job in old:
        Path(job.archive).unlink(missing_ok=True)
    old.update(archive="")


class ExportTakenOver(Exception):
    """This worker was thought dead and the export was queued again: stop, leave the job alone."""


@task()
def run_export_job(job_id):
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, heartbeat_at=now, attempt=F("attempt") + 1, files_done=0
    )
    if not claimed:
        return None
    job = ExportJob.objects.get(pk=job_id)
    folder = Path(settings.NEWSROOM_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"export-{job.pk}-{uuid.uuid4().hex}.zip"
    partial = target.with_suffix(".part")
    try:
        _write_zip(job, partial)
        os.replace(partial, target)
    except ExportTakenOver:
        partial.unlink(missing_ok=True)
        return "taken over"
    except Exception as exc:
        logger.exception("Export job %s failed", job.pk)
        partial.unlink(missing_ok=True)
        _mine(job).update(status=ExportJob.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}")
        return ExportJob.Status.FAILED
    if not _mine(job).update(
        status=ExportJob.Status.DONE, finished_at=timezone.now(), archive=str(target), files_done=job.files_total
    ):
        target.unlink(missing_ok=True)  # another worker took over meanwhile; its zip is the one
    return ExportJob.Status.DONE


def _mine(job):
    return ExportJob.objects.filter(pk=job.pk, attempt=job.attempt, status=ExportJob.Status.RUNNING)


def _write_zip(job, path):
    done, last = 0, time.monotonic()
    ids = job.article_ids
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(ids), CHUNK):
            # Articles deleted since the editor chose them are simply not exported.
            for article in export_queryset(Article.objects.filter(pk__in=ids[start : start + CHUNK])):
                archive.writestr(export_filename(article), export_article(article))
                done += 1
                if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                    last = time.monotonic()
                    if not _mine(job).update(files_done=done, heartbeat_at=timezone.now()):
                        raise ExportTakenOver(job.pk)


def recover_stale_exports(now=None, *, max_attempts=3):
    """Queue again every running export whose worker stopped renewing its lease."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.NEWSROOM_JOB_STALE_SECONDS)
    resumed = []
    for job in ExportJob.objects.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=limit):
        at = timezone.localtime(now).strftime("%H:%M:%S")
        stopped = f"Worker stopped after {job.files_done:,} of {job.files_total:,} files"
        if job.attempt >= max_attempts:
            _mine(job).update(
                status=ExportJob.Status.FAILED, finished_at=now, events=[*job.events, f"{stopped}; given up at {at}."],
                error=f"the worker stopped {job.attempt} times while exporting; given up at {at}",
            )
        elif _mine(job).update(status=ExportJob.Status.QUEUED, events=[*job.events, f"{stopped}; started again at {at}."]):
            logger.warning("Export job %s lost its worker; queued again", job.pk)
            run_export_job.enqueue(job.pk)
            resumed.append(job.pk)
    return resumed

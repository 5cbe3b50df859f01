"""Background imports: an admin upload becomes an ImportJob that a worker runs.

The worker (`python manage.py import_worker`, django-tasks-db's db_worker plus the watch below)
calls `run_import_job`, which runs the same `import_paths` as the command, reports progress on
the job row as it goes, records the admin history under the editor's name batch by batch (in
each batch's transaction), and stores the result the job page shows.

A worker can die mid-job (killed, out of memory, the machine restarted). The job row is its
lease: the worker renews `heartbeat_at` every second or so, and a job whose heartbeat is older
than NEWSROOM_JOB_STALE_SECONDS is queued again by `recover_stale_jobs` (every import worker
runs it, as do the admin's import pages). Imports are idempotent: the new attempt re-reads the
staged files, finds those already written unchanged, and writes the rest. The attempt number
fences the old worker off should it wake up: its next heartbeat finds the job no longer its own.
"""

import logging
import shutil
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from . import image_jobs
from .history import log_entries
from .importer import Parsed, import_paths, read_and_parse
from .locks import TRACKED
from .models import Article, ImportJob
from .stories.tasks import enqueue_after_import

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
# What a file's import came to, as the job page and the desk count them (with "refused").
OUTCOMES = ("created", "updated", "unchanged")
# A job whose worker died this many times is given up (a file that kills the worker, say).
MAX_ATTEMPTS = 3


class JobTakenOver(Exception):
    """This worker was thought dead and the job was queued again: stop without touching it."""


@task()
def run_import_job(job_id):
    job = _claim(job_id)
    if job is None:
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    try:
        result = _run(job)
    except JobTakenOver:
        logger.warning("Import job %s was resumed by another worker; this one stops", job.pk)
        return "taken over"
    except Exception as exc:  # the job page must say what happened; the worker keeps going
        logger.exception("Import job %s failed", job.pk)
        error = f"{type(exc).__name__}: {exc}".replace(job.staging_dir, "the upload")
        _finish(job, ImportJob.Status.FAILED, error=error)
        return ImportJob.Status.FAILED
    _finish(job, ImportJob.Status.DONE, result=result, files_done=job.files_total)
    return ImportJob.Status.DONE


def _claim(job_id):
    """Take a queued job for this worker (a retried or duplicate task finds it taken)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=Coalesce("started_at", now), heartbeat_at=now,
        attempt=F("attempt") + 1, files_done=0,
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def _mine(job):
    return ImportJob.objects.filter(pk=job.pk, attempt=job.attempt, status=ImportJob.Status.RUNNING)


def _beat(job, **fields):
    """Renew the lease (and save progress); raise JobTakenOver if the job is no longer ours."""
    if not _mine(job).update(heartbeat_at=timezone.now(), **fields):
        raise JobTakenOver(job.pk)


def _finish(job, status, **fields):
    if _mine(job).update(status=status, finished_at=timezone.now(), **fields):
        shutil.rmtree(job.staging_dir, ignore_errors=True)


def _run(job):
    names = job.names
    report, imported = None, dict(job.imported)  # what earlier attempts wrote
    if names:
        max_bytes = settings.NEWSROOM_IMPORT_MAX_BYTES
        last = [time.monotonic()]

        def progress(done, total=None):
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_SECONDS:
                last[0] = now
                _beat(job, **({} if done is None else {"files_done": done}))

        before = {} if job.dry_run else _current_values(names, max_bytes, still_alive=lambda: progress(None))

        def batch_written(outcomes):
            imported.update(_record_batch(outcomes, names, before, job.created_by))
            _beat(job, imported=imported)  # in the batch's transaction: all of it or none

        report = import_paths(
            [job.staging_dir], dry_run=job.dry_run, max_bytes=max_bytes, on_progress=progress,
            on_batch=None if job.dry_run else batch_written,
        )
        if not job.dry_run:
            enqueue_after_import(report)  # stories for the new articles, in a task of their own
            image_jobs.enqueue_after_import(report)  # their images, when the fetcher is on
    return _result(report, job, imported)


def _current_values(names, max_bytes, still_alive=lambda: None):
    """Before importing: the tracked values of the articles these files will update."""
    identities = []
    for staged in names:
        still_alive()  # reading thousands of files takes a while: keep the lease
        parsed = read_and_parse(staged, max_bytes=max_bytes)
        if isinstance(parsed, Parsed):
            identities.append(parsed.record.identity_url)
    return {
        row["identity_url"]: row
        for row in Article.objects.filter(identity_url__in=identities).values("identity_url", *TRACKED)
    }


def _record_batch(outcomes, names, before, user):
    """History for one written batch; the staged paths become the uploaded names. Returns
    {staged path: [outcome, article id]}."""
    outcome = {item.path: result for item, result, _ in outcomes if result in ("created", "updated")}
    if not outcome:
        return {}
    articles = list(Article.objects.filter(source_path__in=list(outcome)))
    rows_added, rows_changed, written = [], [], {}
    for article in articles:
        staged = article.source_path
        name = names.get(staged, staged)
        if outcome[staged] == "created":
            rows_added.append((article, f"Imported from upload {name}."))
        else:
            old = before.get(article.identity_url, {})
            changed = [
                str(Article._meta.get_field(f.removesuffix("_id")).verbose_name)
                for f in TRACKED
                if old.get(f) != getattr(article, f)
            ]
            detail = f": updated {', '.join(changed)}" if changed else ""
            rows_changed.append((article, f"Imported from upload {name}{detail}."))
        written[staged] = [outcome[staged], article.pk]
        # The staged file is deleted after the job: keep the uploaded name as provenance.
        article.source_path = f"upload:{name}"[:1000]
    Article.objects.bulk_update(articles, ["source_path"], batch_size=500)
    if user is not None:
        log_entries(user, Article, rows_added, ADDITION)
        log_entries(user, Article, rows_changed, CHANGE)
    return written


def _shown(text, names):
    """Replace staged paths in a message with the names the editor uploaded."""
    for staged, name in names.items():
        text = text.replace(staged, name)
    return text


def _result(report, job, imported):
    """What the job page shows, as JSON. Files an earlier attempt wrote count as what that
    attempt did with them, not as "unchanged" because this attempt found them written."""
    names = job.names
    refused = [list(item) for item in job.refused_before_import]
    outcomes, warnings, summary = [], [], "No files to import."
    if report is not None:
        refused += [[names.get(path, path), problems] for path, problems in report.refused]
        for path, outcome, detail in report.outcomes:
            if outcome == "refused":
                continue
            earlier, pk = imported.get(path, (None, None))
            if earlier and outcome == "unchanged":
                report.unchanged -= 1
                setattr(report, earlier, getattr(report, earlier) + 1)
                outcome = earlier
            outcomes.append([names.get(path, path), outcome, _shown(detail, names), pk])
        warnings = [_shown(w, names) for w in report.warnings]
        summary = report.summary()
        if job.refused_before_import:
            summary += f"; {len(job.refused_before_import)} more refused before import"
    counts = {outcome: sum(1 for item in outcomes if item[1] == outcome) for outcome in OUTCOMES}
    counts["refused"] = len(refused)
    return {"summary": summary, "counts": counts, "refused": refused, "outcomes": outcomes, "warnings": warnings}


# -- noticing dead workers -------------------------------------------------------------------


def enqueue(job):
    """Queue the job's task and remember its id (to close it should its worker die)."""
    result = run_import_job.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    return result


def recover_stale_jobs(now=None):
    """Queue again every running job whose worker stopped renewing its lease; give up on a job
    after MAX_ATTEMPTS. Returns the jobs queued again."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.NEWSROOM_JOB_STALE_SECONDS)
    resumed = []
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING, heartbeat_at__lt=limit):
        heard = timezone.localtime(job.heartbeat_at).strftime("%H:%M:%S")
        at = timezone.localtime(now).strftime("%H:%M:%S")
        stopped = f"Worker stopped (last heard from at {heard}, {job.files_done:,} of {job.files_total:,} files read)"
        if job.attempt >= MAX_ATTEMPTS:
            error = f"the worker stopped {job.attempt} times while importing this upload; given up at {at}"
            if _mine(job).update(status=ImportJob.Status.FAILED, finished_at=now, error=error,
                                 events=[*job.events, f"{stopped}; given up at {at}."]):
                _close_task(job.task_id, now)
                shutil.rmtree(job.staging_dir, ignore_errors=True)
            continue
        if _mine(job).update(status=ImportJob.Status.QUEUED, events=[*job.events, f"{stopped}; resumed at {at}."]):
            logger.warning("Import job %s lost its worker; queued again", job.pk)
            _close_task(job.task_id, now)
            enqueue(job)
            resumed.append(job.pk)
    from .export_jobs import recover_stale_exports  # exports are watched the same way

    recover_stale_exports(now)
    return resumed


def _close_task(task_id, now):
    """The dead worker's task would stay "running" for ever: mark it failed, saying why."""
    try:
        uuid.UUID(task_id)
    except ValueError:
        return  # no task, or one another backend ran
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now,
        exception_class_path="articles.import_jobs.WorkerStopped",
        traceback="The worker running this task stopped before it finished; the import job was queued again.",
    )

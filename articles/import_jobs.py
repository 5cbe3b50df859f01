"""Background imports: an admin upload becomes an ImportJob that a worker runs.

The worker (`python manage.py db_worker`, from django-tasks-db) calls `run_import_job`, which
runs the same `import_paths` as the command, reports progress on the job row as it goes,
records the admin history under the editor's name, and stores the result the job page shows.
"""

import logging
import shutil
import time

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE
from django.utils import timezone
from django_tasks import task

from .history import log_entries
from .importer import Parsed, import_paths, read_and_parse
from .locks import TRACKED
from .models import Article, ImportJob

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
# What a file's import came to, as the job page and the desk count them (with "refused").
OUTCOMES = ("created", "updated", "unchanged")


@task()
def run_import_job(job_id):
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job.status  # already run (a retried task must not import twice)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    try:
        result = _run(job)
    except Exception as exc:  # the job page must say what happened; the worker keeps going
        logger.exception("Import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
        )
        return ImportJob.Status.FAILED
    finally:
        shutil.rmtree(job.staging_dir, ignore_errors=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now(), result=result, files_done=job.files_total
    )
    return ImportJob.Status.DONE


def _run(job):
    names = job.names
    report, article_ids = None, {}
    if names:
        max_bytes = settings.NEWSROOM_IMPORT_MAX_BYTES
        before = _current_values(names, max_bytes)
        last = [0.0]

        def progress(done, total):
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_SECONDS:
                last[0] = now
                ImportJob.objects.filter(pk=job.pk).update(files_done=done)

        report = import_paths(
            [job.staging_dir], dry_run=job.dry_run, max_bytes=max_bytes, on_progress=progress
        )
        if not job.dry_run:
            article_ids = _after_import(report, names, before, job.created_by)
    return _result(report, job, article_ids)


def _current_values(names, max_bytes):
    """Before importing: the tracked values of the articles these files will update."""
    identities = []
    for staged in names:
        parsed = read_and_parse(staged, max_bytes=max_bytes)
        if isinstance(parsed, Parsed):
            identities.append(parsed.record.identity_url)
    return {
        row["identity_url"]: row
        for row in Article.objects.filter(identity_url__in=identities).values("identity_url", *TRACKED)
    }


def _after_import(report, names, before, user):
    outcome = {path: result for path, result, _ in report.outcomes if result in ("created", "updated")}
    if not outcome:
        return {}
    articles = list(Article.objects.filter(source_path__in=list(outcome)))
    rows_added, rows_changed = [], []
    originals = [article.source_path for article in articles]
    for article in articles:
        name = names.get(article.source_path, article.source_path)
        if outcome[article.source_path] == "created":
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
        # The staged file is deleted after the job: keep the uploaded name as provenance.
        article.source_path = f"upload:{name}"[:1000]
    Article.objects.bulk_update(articles, ["source_path"], batch_size=500)
    if user is not None:
        log_entries(user, Article, rows_added, ADDITION)
        log_entries(user, Article, rows_changed, CHANGE)
    return {path: article.pk for path, article in zip(originals, articles)}


def _shown(text, names):
    """Replace staged paths in a message with the names the editor uploaded."""
    for staged, name in names.items():
        text = text.replace(staged, name)
    return text


def _result(report, job, article_ids):
    """What the job page shows, as JSON."""
    names = job.names
    refused = [list(item) for item in job.refused_before_import]
    outcomes, warnings, summary = [], [], "No files to import."
    if report is not None:
        refused += [[names.get(path, path), problems] for path, problems in report.refused]
        outcomes = [
            [names.get(path, path), outcome, _shown(detail, names), article_ids.get(path)]
            for path, outcome, detail in report.outcomes
            if outcome != "refused"
        ]
        warnings = [_shown(w, names) for w in report.warnings]
        summary = report.summary()
        if job.refused_before_import:
            summary += f"; {len(job.refused_before_import)} more refused before import"
    counts = {outcome: sum(1 for item in outcomes if item[1] == outcome) for outcome in OUTCOMES}
    counts["refused"] = len(refused)
    return {"summary": summary, "counts": counts, "refused": refused, "outcomes": outcomes, "warnings": warnings}

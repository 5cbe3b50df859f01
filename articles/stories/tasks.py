"""The background task that clusters what an import brought in (run by `manage.py db_worker`)."""

from django.conf import settings
from django_tasks import task

from .assign import cluster_pending, clustering_lock


@task()
def cluster_new_articles():
    # A run in progress takes these articles too: it reads what is pending until nothing is.
    with clustering_lock(wait=False) as acquired:
        if not acquired:
            return {"skipped": "another clustering run is in progress"}
        report = cluster_pending()
    return {"articles": report.articles, "stories_created": report.stories_created}


def enqueue_after_import(report):
    """Called after an import run: queue clustering if the run wrote anything (never waits for it)."""
    if not getattr(settings, "NEWSROOM_STORIES_AFTER_IMPORT", True):
        return None
    if report is None or not (report.created or report.updated):
        return None
    return cluster_new_articles.enqueue()

"""`manage.py import_worker`: django-tasks-db's db_worker, watching for jobs whose worker died.

Takes db_worker's options. At start and then every half NEWSROOM_JOB_STALE_SECONDS, a thread
queues again the import jobs whose worker stopped renewing its lease (articles/import_jobs.py),
so a job a killed worker left "running" is finished by this one or another.
"""

import logging
import threading

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

logger = logging.getLogger(__name__)


def watch_stale_jobs(stop, interval):
    from articles.import_jobs import recover_stale_jobs

    while True:
        try:
            recover_stale_jobs()
        except Exception:  # a locked database or a restart: try again at the next round
            logger.exception("Looking for stale import jobs failed")
        finally:
            connection.close()  # this thread's own connection
        if stop.wait(interval):
            return


class Command(DbWorkerCommand):
    help = "Run queued jobs (db_worker) and resume import jobs whose worker died."

    def handle(self, *args, **options):
        stop = threading.Event()
        interval = max(settings.NEWSROOM_JOB_STALE_SECONDS / 2, 0.5)
        watcher = threading.Thread(target=watch_stale_jobs, args=(stop, interval), daemon=True, name="stale-jobs")
        watcher.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()

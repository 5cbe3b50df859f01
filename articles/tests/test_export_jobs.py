"""Exporting many articles from the admin: queued as a job, written by the worker, streamed as a zip."""

import io
import re
import shutil
import zipfile

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from articles.models import Article, ExportJob

from .admin_client import run_action
from .factories import make_article, make_provider

CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture(autouse=True)
def clean_exports():
    yield
    shutil.rmtree(settings.NEWSROOM_EXPORT_DIR, ignore_errors=True)


# Transactional: the worker closes connections left outside autocommit, as any real worker would.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_exporting_hundreds_of_articles_queues_a_job_and_downloads_a_zip_of_them_all(admin_client):
    provider = make_provider()
    chosen = [make_article(f"Story {n}", provider=provider, topics=["Exports"]) for n in range(300)]
    left_out = make_article("Not chosen", provider=provider)

    response = run_action(admin_client, CHANGELIST, "export_zip", chosen)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:articles_article_export_job", args=[job.pk]
    )
    assert job.status == ExportJob.Status.QUEUED and job.files_total == 300, "the request only queues the job"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Queued" in page and 'http-equiv="refresh"' in page and "/download/" not in page

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    page = admin_client.get(response["Location"]).content.decode()
    download = re.search(r'href="([^"]+/download/)"', page).group(1)
    assert 'http-equiv="refresh"' not in page
    streamed = admin_client.get(download)
    assert streamed.status_code == 200 and streamed.streaming
    assert streamed["Content-Type"] == "application/zip"
    assert streamed["Content-Disposition"].startswith('attachment; filename="articles-')
    with zipfile.ZipFile(io.BytesIO(b"".join(streamed.streaming_content))) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        titles = {
            yaml.safe_load(archive.read(name).decode().split("---\n")[1])["title"] for name in names
        }
    assert len(names) == 300
    assert titles == {article.title for article in chosen}
    assert left_out.title not in titles


@pytest.mark.django_db
def test_another_editors_export_is_not_theirs_to_download(admin_client, client, django_user_model):
    article = make_article("Private choice")
    run_action(admin_client, CHANGELIST, "export_zip", [article])
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    other.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(other)
    assert client.get(reverse("admin:articles_article_export_download", args=[job.pk])).status_code == 403
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_zips_are_removed_a_day_after_their_export(admin_client):
    import datetime as dt
    from pathlib import Path

    from django.utils import timezone

    article = make_article("Old export")
    run_action(admin_client, CHANGELIST, "export_zip", [article])
    old = ExportJob.objects.get()
    old_zip = Path(old.archive)
    assert old_zip.is_file()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    run_action(admin_client, CHANGELIST, "export_zip", [article])
    old.refresh_from_db()
    assert not old_zip.exists()
    new = ExportJob.objects.exclude(pk=old.pk).get()
    assert old.archive == "" and Path(new.archive).is_file()
    page = admin_client.get(reverse("admin:articles_article_export_job", args=[old.pk])).content.decode()
    assert "zip was removed" in page and "/download/" not in page
    assert admin_client.get(reverse("admin:articles_article_export_download", args=[old.pk])).status_code == 404


@pytest.mark.django_db
def test_an_export_left_running_by_a_dead_worker_is_started_again(admin_client, settings):
    import datetime as dt

    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    articles = [make_article(f"Stranded {n}") for n in range(3)]
    run_action(admin_client, CHANGELIST, "export_zip", articles)
    job = ExportJob.objects.get()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.NEWSROOM_JOB_STALE_SECONDS + 5)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempt=1, heartbeat_at=long_ago)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = admin_client.get(reverse("admin:articles_article_export_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempt == 2
    assert "Worker stopped" in page and "started again at" in page
    with zipfile.ZipFile(job.archive) as archive:
        assert len(archive.namelist()) == 3

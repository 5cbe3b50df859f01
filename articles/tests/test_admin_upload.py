"""The admin's "Import files" page: uploads and zips run the same importer, named as uploaded."""

import io
import re
import zipfile

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from articles.admin import upload
from articles.models import Article

from .admin_factories import front_matter

pytestmark = pytest.mark.django_db

URL = reverse("admin:articles_article_import")


def md(name, **kwargs):
    return SimpleUploadedFile(name, front_matter(**kwargs).encode(), content_type="text/markdown")


def zipped(name, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for inner, text in members.items():
            archive.writestr(inner, text)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def post(client, *files, **extra):
    return client.post(URL, {"files": list(files), **extra}, follow=True)


def test_page_is_linked_from_the_change_list(admin_client):
    """Editors find "Import files" on the article list and get an upload form."""
    html = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert URL in html
    page = admin_client.get(URL)
    assert page.status_code == 200 and b'type="file"' in page.content and b"multiple" in page.content


def test_good_files_import_and_are_logged_with_their_names(admin_client, admin_user):
    """Two good files create two articles; history names the uploaded file and the editor."""
    response = post(
        admin_client,
        md("one.md", title="First", url="https://n.example/1"),
        md("two.txt", title="Second", url="https://n.example/2"),
    )
    html = response.content.decode()
    assert "2 files: 2 created" in html
    assert set(Article.objects.values_list("title", flat=True)) == {"First", "Second"}
    entries = LogEntry.objects.filter(action_flag=ADDITION, user=admin_user)
    assert sorted(e.change_message for e in entries) == [
        "Imported from upload one.md.", "Imported from upload two.txt.",
    ]
    assert str(settings.NEWSROOM_IMPORT_STAGING_DIR) not in html  # no staging paths shown
    assert Article.objects.get(title="First").source_path == "upload:one.md"


def test_reupload_logs_which_fields_changed(admin_client):
    """Uploading a changed file logs "updated title, heat" against the article."""
    post(admin_client, md("x.md", title="Old", heat=1))
    post(admin_client, md("x.md", title="New", heat=2))
    obj = Article.objects.get()
    entry = LogEntry.objects.get(action_flag=CHANGE, object_id=str(obj.pk))
    assert entry.change_message == "Imported from upload x.md: updated title, heat."


def test_bad_file_is_refused_by_name_and_good_ones_still_import(admin_client):
    """A broken file is listed with its problem under its own name; the good file imports."""
    bad = SimpleUploadedFile("broken.md", b"---\ntitle: [unclosed\n---\n")
    response = post(admin_client, md("good.md"), bad)
    html = response.content.decode()
    assert "1 created" in html and "1 refused" in html
    assert "<strong>broken.md</strong>" in html
    assert Article.objects.count() == 1


def test_all_bad_batch_writes_nothing(admin_client):
    """A batch of only bad files changes nothing and says why."""
    response = post(
        admin_client,
        SimpleUploadedFile("a.md", b"no front matter"),
        SimpleUploadedFile("b.exe", b"MZ"),
    )
    html = response.content.decode()
    assert "a.md" in html and "b.exe" in html and "not a front-matter file" in html
    assert Article.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_zip_is_imported_with_inner_names(admin_client):
    """A zip's files import; refusals name the zip and the file inside it."""
    archive = zipped("batch.zip", {
        "2024/one.md": front_matter(title="Zipped one", url="https://z.example/1"),
        "2024/two.md": front_matter(title="Zipped two", url="https://z.example/2"),
        "2024/bad.md": "---\ntitle: x\n",
        "__MACOSX/._one.md": "junk",
    })
    html = post(admin_client, archive).content.decode()
    assert set(Article.objects.values_list("title", flat=True)) == {"Zipped one", "Zipped two"}
    assert "batch.zip/2024/bad.md" in html
    assert "__MACOSX" not in html


def test_zip_with_unsafe_paths_extracts_nothing_outside(admin_client, tmp_path):
    """Absolute paths and .. in a zip are refused, never written."""
    archive = zipped("evil.zip", {
        "../escape.md": front_matter(url="https://e.example/1"),
        "/abs.md": front_matter(url="https://e.example/2"),
        "ok.md": front_matter(title="Fine", url="https://e.example/3"),
    })
    html = post(admin_client, archive).content.decode()
    assert html.count("unsafe path") == 2
    assert list(Article.objects.values_list("title", flat=True)) == ["Fine"]


def test_zip_bomb_is_refused_before_extraction(admin_client, monkeypatch):
    """A zip that expands past the cap is refused whole: nothing imported."""
    monkeypatch.setattr(upload, "MAX_TOTAL_BYTES", 10_000)
    padded = {f"f{i}.md": front_matter(url=f"https://b.example/{i}") + " " * 5000 for i in range(5)}
    archive = zipped("bomb.zip", padded)
    html = post(admin_client, archive).content.decode()
    assert "expands to more than" in html and "Nothing was imported" in html
    assert Article.objects.count() == 0


def test_too_many_files_refused(admin_client, monkeypatch):
    """An upload over the file-count cap is refused whole."""
    monkeypatch.setattr(upload, "MAX_FILES", 2)
    archive = zipped("many.zip", {f"f{i}.md": front_matter(url=f"https://m.example/{i}") for i in range(3)})
    html = post(admin_client, archive).content.decode()
    assert "more than 2 files" in html
    assert Article.objects.count() == 0


@override_settings(NEWSROOM_IMPORT_MAX_BYTES=2_000)
def test_oversized_file_refused_by_name(admin_client):
    """A file over the size limit is refused; its neighbours import."""
    big = md("big.md", url="https://s.example/big", excerpt="x" * 5_000)
    html = post(admin_client, big, md("small.md", url="https://s.example/small")).content.decode()
    assert "big.md" in html and "limit" in html
    assert list(Article.objects.values_list("identity_url", flat=True)) == ["https://s.example/small"]


def test_dry_run_writes_nothing(admin_client):
    """A dry run reports what would happen and writes nothing."""
    html = post(admin_client, md("one.md"), dry_run="on").content.decode()
    assert "would be created" in html
    assert Article.objects.count() == 0


def test_upload_keeps_editor_changes(admin_client):
    """An upload updating an article leaves its editor-locked fields alone."""
    post(admin_client, md("x.md", title="Source", heat=1))
    Article.objects.update(title="Editor", locked_fields=["title"])
    html = post(admin_client, md("x.md", title="Source 2", heat=2)).content.decode()
    obj = Article.objects.get()
    assert (obj.title, obj.heat) == ("Editor", 2)
    assert "1 editor-changed field kept" in html


def test_result_links_each_imported_article(admin_client):
    """Each created article in the result links to its change form."""
    response = post(admin_client, md("one.md"))
    obj = Article.objects.get()
    assert reverse("admin:articles_article_change", args=[obj.pk]) in response.content.decode()


# Transactional: the worker closes connections left outside autocommit, as any real worker would.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_large_upload_returns_at_once_and_finishes_in_the_background(admin_client):
    """5,000 files: the request only queues the job; the worker imports; the page then shows the result."""
    from django.core.management import call_command

    from articles.models import ImportJob

    members = {f"batch/{i:04d}.md": front_matter(title=f"Story {i}", url=f"https://bulk.example/{i}") for i in range(4998)}
    members["batch/bad-heat.md"] = front_matter(title="Hot", url="https://bulk.example/hot").replace("heat: 10", "heat: hot")
    members["batch/no-close.md"] = "---\ntitle: x\n"
    response = admin_client.post(URL, {"files": [zipped("feed.zip", members)]})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{job.pk}/")
    assert job.status == ImportJob.Status.QUEUED and job.files_total == 5000
    assert not Article.objects.exists(), "nothing is imported inside the request"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Queued" in page and 'http-equiv="refresh"' in page and "0 of 5000 files" in page

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.files_done == 5000
    assert Article.objects.count() == 4998
    page = admin_client.get(response["Location"]).content.decode()
    assert "5,000 files: 4,998 created, 0 updated, 0 unchanged, 2 refused" in page
    assert "feed.zip/batch/bad-heat.md</strong>: heat: must be a whole number" in page
    assert "feed.zip/batch/no-close.md</strong>: file: no closing" in page
    assert 'http-equiv="refresh"' not in page


def test_job_page_counts_outcomes_links_the_articles_and_names_refusals(admin_client):
    """Three files, one refused: the page says 2 created and 1 refused, never "3/3" alone."""
    response = post(
        admin_client, md("one.md", url="https://n.example/1"), md("two.md", url="https://n.example/2"),
        SimpleUploadedFile("broken.md", b"---\ntitle: [unclosed\n---\n"),
    )
    html = response.content.decode()
    counts = re.search(r'<ul class="import-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", counts)).strip() == "2 created 0 updated 0 unchanged 1 refused"
    assert "Refused file</h3>" in html and "<strong>broken.md</strong>" in html
    ids = ",".join(str(pk) for pk in sorted(Article.objects.values_list("pk", flat=True)))
    link = reverse("admin:articles_article_changelist") + f"?id__in={ids}"
    assert f'href="{link}"' in html and "Show the 2 created and updated articles" in html
    listed = admin_client.get(link).content.decode()
    assert listed.count('class="field-title"') == 2


def test_job_date_has_one_full_stop(admin_client):
    """The job page's date ("11:36 a.m.") is never followed by a second full stop."""
    html = post(admin_client, md("one.md")).content.decode()
    status = re.search(r'<p class="import-status">(.*?)</p>', html, re.S).group(1)
    assert ".." not in status


def test_recent_imports_list_each_jobs_counts(admin_client):
    """The import page's list shows created / updated / unchanged / refused per job."""
    post(admin_client, md("one.md"), SimpleUploadedFile("broken.md", b"no front matter"))
    post(admin_client, md("one.md"))
    html = admin_client.get(URL).content.decode()
    table = re.search(r'<div class="module import-jobs">(.*?)</table>', html, re.S).group(1)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).split() for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    assert [row[-4:] for row in rows] == [["0", "0", "1", "0"], ["1", "0", "0", "1"]]
    assert 'class="import-refused-count"' in table


def test_a_done_job_with_refusals_says_so_in_its_status(admin_client):
    """"Done" alone would hide the refused file: the status line names the refusals."""
    html = post(admin_client, md("one.md"), SimpleUploadedFile("broken.md", b"no front matter")).content.decode()
    status = re.sub(r"<[^>]+>", "", re.search(r'<p class="import-status">(.*?)</p>', html, re.S).group(1))
    assert "Done, 1 file refused" in status
    clean = post(admin_client, md("two.md", url="https://n.example/two")).content.decode()
    assert "refused" not in re.search(r'<p class="import-status">(.*?)</p>', clean, re.S).group(1)


def test_zip_members_with_invalid_utf8_names_are_refused_by_name_and_the_rest_imports(admin_client):
    """The archive flags its names as UTF-8, but two are not: each is refused, shown as its raw bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("café.md", front_matter(title="Bad name one", url="https://u.example/1"))
        archive.writestr("good.md", front_matter(title="Good name", url="https://u.example/2"))
        archive.writestr("dir/naïve.md", front_matter(title="Bad name two", url="https://u.example/3"))
    data = buffer.getvalue().replace("é".encode(), b"\xff\xfe").replace("ï".encode(), b"\xc3\x28")
    html = post(admin_client, SimpleUploadedFile("names.zip", data, content_type="application/zip")).content.decode()
    assert list(Article.objects.values_list("title", flat=True)) == ["Good name"]
    assert "names.zip/b&#x27;caf\\xff\\xfe.md&#x27;" in html
    assert "names.zip/b&#x27;dir/na\\xc3(ve.md&#x27;" in html
    assert html.count("not valid UTF-8") == 2
    assert "1 created" in html


def test_a_name_too_long_for_the_disk_still_imports_and_no_staging_path_is_shown(admin_client):
    long_name = "a" * 300 + ".md"
    archive = zipped("long.zip", {long_name: front_matter(title="Long named", url="https://l.example/1")})
    html = post(admin_client, archive).content.decode()
    assert list(Article.objects.values_list("title", flat=True)) == ["Long named"]
    assert str(settings.NEWSROOM_IMPORT_STAGING_DIR) not in html
    assert f"long.zip/{long_name}" in html


def test_a_truncated_jpeg_in_the_import_upload_is_refused_by_name(admin_client):
    from .test_admin_images import jpeg

    whole = jpeg(600, 400)
    html = post(
        admin_client, SimpleUploadedFile("photo.jpg", whole[: len(whole) // 2], content_type="image/jpeg"), md("ok.md")
    ).content.decode()
    assert "<strong>photo.jpg</strong>" in html and "not a front-matter file" in html
    assert Article.objects.count() == 1


def test_a_job_left_running_by_a_dead_worker_is_resumed_when_its_page_is_viewed(admin_client, settings):
    """No worker renewed the job's lease for longer than NEWSROOM_JOB_STALE_SECONDS: the job page
    queues it again (here run at once) and says what happened."""
    import datetime as dt

    from django.utils import timezone

    from articles.models import ImportJob

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post(admin_client, md("one.md", title="Stranded", url="https://s.example/1"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and not Article.objects.exists()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.NEWSROOM_JOB_STALE_SECONDS + 5)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempt=1, heartbeat_at=long_ago)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = admin_client.get(reverse("admin:articles_article_import_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.attempt == 2
    assert "Worker stopped" in page and "resumed at" in page
    assert list(Article.objects.values_list("title", flat=True)) == ["Stranded"]
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 1


def test_a_failed_job_names_the_upload_not_the_staging_path(admin_client, settings):
    import shutil as sh

    from articles.import_jobs import run_import_job
    from articles.models import ImportJob

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post(admin_client, md("one.md"))
    job = ImportJob.objects.get()
    sh.rmtree(job.staging_dir)  # e.g. a worker on another machine without the shared mount
    run_import_job.call(job.pk)
    job.refresh_from_db()
    page = admin_client.get(reverse("admin:articles_article_import_job", args=[job.pk])).content.decode()
    assert job.status == ImportJob.Status.FAILED and "the upload: no such file or directory" in job.error
    assert str(settings.NEWSROOM_IMPORT_STAGING_DIR) not in page

"""One bad article never sinks its batch: what the database refuses for one article is a
refusal of its file (path and reason), every other file of the run is imported, and no
traceback reaches the command, the admin upload or the background job."""

from io import StringIO
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.importer import import_paths
from articles.importer import run as run_module
from articles.models import Article, ImportJob

from .admin_factories import front_matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_refuses_bad_titles():
    """Files titled "Bad …" reach the writer with a value the database's CHECK constraint
    refuses (a negative quality, which the parser would never let through)."""
    real = run_module.read_and_parse

    def parse(path, **kwargs):
        result = real(path, **kwargs)
        record = getattr(result, "record", None)
        if record is not None and record.fields["title"].startswith("Bad"):
            record.fields["quality"] = -1
        return result

    with mock.patch.object(run_module, "read_and_parse", parse):
        yield


def files(directory, titles):
    for i, title in enumerate(titles):
        (directory / f"{i:02}.md").write_text(
            front_matter(title=title, url=f"https://n.example/{i}", topics=["AI", f"T{i}"]), encoding="utf-8"
        )


def test_command_imports_every_other_file_and_names_the_refused_one(tmp_path, database_refuses_bad_titles):
    files(tmp_path, ["One", "Two", "Bad three", "Four", "Five"])
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_articles", str(tmp_path), "--no-progress", stdout=out, stderr=err)
    assert refused.value.returncode == 1  # a refused file, as for a parse refusal; no traceback
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Five", "Four", "One", "Two"]
    assert "4 created" in out.getvalue() and "1 refused" in out.getvalue()
    message = err.getvalue()
    assert f"{tmp_path / '02.md'}: database: refused this article" in message
    assert "Traceback" not in message
    # Its topic, created in the failed batch, exists only if another article uses it.
    assert not Article.objects.filter(topics__name="T2").exists()


def test_an_update_refused_in_the_middle_of_a_batch(tmp_path, database_refuses_bad_titles):
    files(tmp_path, ["One", "Two", "Three"])
    import_paths([tmp_path])
    files(tmp_path, ["One again", "Bad two", "Three again"])
    report = import_paths([tmp_path])
    assert (report.updated, [p for p, _ in report.refused]) == (2, [str(tmp_path / "01.md")])
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One again", "Three again", "Two"]


def test_admin_upload_and_its_job_report_the_refusal(admin_client, database_refuses_bad_titles):
    uploads = [
        SimpleUploadedFile(f"{name}.md", front_matter(title=title, url=f"https://n.example/{name}").encode())
        for name, title in (("good", "Good"), ("bad", "Bad one"), ("fine", "Fine"))
    ]
    response = admin_client.post(reverse("admin:articles_article_import"), {"files": uploads}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "bad.md" in html and "database: refused this article" in html
    assert "Traceback" not in html
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Fine", "Good"]
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and not job.error

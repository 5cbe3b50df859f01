"""The admin's "Import files" page: uploaded files or zips -> the same import_paths the command runs."""

import os
import shutil
import tempfile
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse

from articles.importer import import_paths
from articles.importer.parse import SUFFIXES, Parsed, read_and_parse
from articles.models import Article

from .base import log_entries
from .forms import UploadForm

# One upload may hold at most this many files, expanding to at most this many bytes.
MAX_FILES = 5_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
CHUNK = 64 * 1024

# Columns whose changes the history names ("updated title, heat").
TRACKED = (
    "title", "excerpt", "category", "item_type", "published_at", "web_url", "original_url", "amp_url",
    "cdn_amp_url", "quality", "heat", "is_published", "provider_id", "featured_content", "body",
)


class UploadRefused(Exception):
    """The whole upload is refused (too many files, too large): nothing was imported."""


class Staging:
    """Uploaded files written to a private temporary directory, remembering their uploaded names."""

    def __init__(self, root, *, max_bytes):
        self.root = root
        self.max_bytes = max_bytes
        self.names = {}  # staged path -> name shown to the editor
        self.refused = []  # (name, [problems]) refused before import
        self.total = 0
        self.count = 0

    def _target(self, name):
        self.count += 1
        if self.count > MAX_FILES:
            raise UploadRefused(f"More than {MAX_FILES:,} files in one upload; split it up.")
        # A directory per file keeps upload order (import walks sorted) and the original base name.
        folder = os.path.join(self.root, f"{self.count:06d}")
        os.mkdir(folder)
        base = os.path.basename(name.replace("\\", "/")) or "file"
        return os.path.join(folder, base)

    def _copy(self, source, name, declared_size=None):
        if declared_size is not None and declared_size > self.max_bytes:
            self.refused.append((name, [f"file: {declared_size:,} bytes is over the {self.max_bytes:,}-byte limit"]))
            return
        target = self._target(name)
        written = 0
        with open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if self.total > MAX_TOTAL_BYTES:
                    raise UploadRefused(f"The upload expands to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB.")
                if written > self.max_bytes:
                    break
                out.write(chunk)
        if written > self.max_bytes:
            os.remove(target)
            self.refused.append((name, [f"file: over the {self.max_bytes:,}-byte limit"]))
            return
        self.names[target] = name

    def add_upload(self, upload):
        name = os.path.basename(upload.name.replace("\\", "/"))
        lower = name.lower()
        if name.startswith("."):
            self.refused.append((name, ["file: hidden files (names starting with a dot) are not imported"]))
        elif lower.endswith(".zip"):
            self.add_zip(upload, name)
        elif lower.endswith(SUFFIXES):
            upload.seek(0)
            self._copy(upload, name, upload.size)
        else:
            self.refused.append((name, ["file: not a front-matter file (.md, .markdown, .txt) or a .zip"]))

    def add_zip(self, upload, zip_name):
        try:
            archive = zipfile.ZipFile(upload)
        except (zipfile.BadZipFile, OSError):
            self.refused.append((zip_name, ["zip: not a readable zip archive"]))
            return
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) + self.count > MAX_FILES:
                raise UploadRefused(f"{zip_name}: more than {MAX_FILES:,} files in one upload; split it up.")
            if sum(info.file_size for info in members) + self.total > MAX_TOTAL_BYTES:
                raise UploadRefused(f"{zip_name}: expands to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB.")
            for info in members:
                inner = info.filename.replace("\\", "/")
                name = f"{zip_name}/{inner}"
                parts = PurePosixPath(inner).parts
                if inner.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                    self.refused.append((name, ["zip: unsafe path (absolute or with ..); not extracted"]))
                    continue
                if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                    continue  # hidden files and macOS metadata, as the command skips them
                if not inner.lower().endswith(SUFFIXES):
                    self.refused.append((name, ["file: not a front-matter file (.md, .markdown, .txt)"]))
                    continue
                try:
                    with archive.open(info) as source:
                        # Sizes in the header can lie: _copy counts the bytes really read.
                        self._copy(source, name, info.file_size)
                except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                    self.refused.append((name, [f"zip: cannot be extracted ({exc})"]))

    def shown(self, text):
        """Replace staged paths in a message with the names the editor uploaded."""
        for staged, name in self.names.items():
            text = text.replace(staged, name)
        return text


def run_upload(files, *, user, dry_run=False):
    """Stage, import and log an upload. Returns a result dict for the page."""
    max_bytes = settings.NEWSROOM_IMPORT_MAX_BYTES
    root = tempfile.mkdtemp(prefix="newsroom-upload-")
    try:
        staging = Staging(root, max_bytes=max_bytes)
        for upload in files:
            staging.add_upload(upload)
        report = None
        article_ids = {}
        if staging.names:
            before = _current_values(staging.names, max_bytes)
            with transaction.atomic():
                report = import_paths([root], dry_run=dry_run, max_bytes=max_bytes, workers=1)
                if not dry_run:
                    article_ids = _after_import(report, staging, before, user)
        return _result(report, staging, article_ids)
    finally:
        shutil.rmtree(root, ignore_errors=True)


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


def _after_import(report, staging, before, user):
    outcome = {path: result for path, result, _ in report.outcomes if result in ("created", "updated")}
    if not outcome:
        return {}
    articles = list(Article.objects.filter(source_path__in=list(outcome)))
    rows_added, rows_changed = [], []
    originals = [article.source_path for article in articles]
    for article in articles:
        name = staging.names.get(article.source_path, article.source_path)
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
        # The staged file is gone after this request: keep the uploaded name as provenance.
        article.source_path = f"upload:{name}"[:1000]
    Article.objects.bulk_update(articles, ["source_path"], batch_size=500)
    log_entries(user, Article, rows_added, ADDITION)
    log_entries(user, Article, rows_changed, CHANGE)
    return {path: article.pk for path, article in zip(originals, articles)}


def _result(report, staging, article_ids):
    refused = list(staging.refused)
    outcomes = []
    warnings = []
    summary = "No files to import."
    if report is not None:
        refused += [(staging.names.get(path, path), problems) for path, problems in report.refused]
        outcomes = [
            (staging.names.get(path, path), outcome, staging.shown(detail), article_ids.get(path))
            for path, outcome, detail in report.outcomes
            if outcome != "refused"
        ]
        warnings = [staging.shown(w) for w in report.warnings]
        summary = report.summary()
        if staging.refused:
            summary += f"; {len(staging.refused)} more refused before import"
    return {"summary": summary, "refused": refused, "outcomes": outcomes, "warnings": warnings, "report": report}


def upload_view(model_admin, request):
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    result = None
    error = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = run_upload(form.cleaned_data["files"], user=request.user, dry_run=form.cleaned_data["dry_run"])
            except UploadRefused as exc:
                error = str(exc)
            form = UploadForm()
    else:
        form = UploadForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import files",
        "opts": model_admin.model._meta,
        "form": form,
        "result": result,
        "error": error,
        "max_bytes": settings.NEWSROOM_IMPORT_MAX_BYTES,
        "max_files": MAX_FILES,
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)

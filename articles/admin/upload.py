"""The admin's "Import files" page: uploaded files or zips -> the same import_paths the command runs."""

import os
import shutil
import struct
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from articles.format import SUFFIXES
from articles.import_jobs import enqueue, recover_stale_jobs
from articles.models import ImportJob

from .forms import UploadForm

# One upload may hold at most this many files, expanding to at most this many bytes.
MAX_FILES = 5_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
CHUNK = 64 * 1024

# Longest base name a staged file gets on disk (most file systems allow 255 bytes).
MAX_STAGED_NAME_BYTES = 200
UTF8_NAME_FLAG = 0x800


class UploadRefused(Exception):
    """The whole upload is refused (too many files, too large): nothing was imported."""


class _CentralDirectoryOverlay:
    """A zip file object whose central directory reads from a patched copy in memory."""

    def __init__(self, fp, offset, data):
        self._fp, self._offset, self._data = fp, offset, data

    def read(self, n=-1):
        start = self._fp.tell()
        chunk = self._fp.read(n)
        lo, hi = max(start, self._offset), min(start + len(chunk), self._offset + len(self._data))
        if lo < hi:
            chunk = chunk[: lo - start] + self._data[lo - self._offset : hi - self._offset] + chunk[hi - start :]
        return chunk

    def __getattr__(self, name):  # seek, tell, seekable...
        return getattr(self._fp, name)


def open_zip(upload):
    """(ZipFile, {shown name: raw bytes}) for an uploaded zip.

    A member flagged as UTF-8 whose name is not valid UTF-8 makes zipfile refuse the whole
    archive; here its flag is dropped (in memory) so the archive opens and that member's name
    reads as cp437, and the caller refuses it by its raw name while the others import.
    """
    try:
        return zipfile.ZipFile(upload), {}
    except UnicodeDecodeError:
        pass
    upload.seek(0)
    endrec = zipfile._EndRecData(upload)  # the standard library's reader of the end record
    if endrec is None:
        raise zipfile.BadZipFile("no end of central directory")
    size, offset = endrec[zipfile._ECD_SIZE], endrec[zipfile._ECD_LOCATION] - endrec[zipfile._ECD_SIZE]
    if endrec[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        offset -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    upload.seek(offset)
    directory = bytearray(upload.read(size))
    invalid, at = {}, 0
    while at + 46 <= len(directory) and directory[at : at + 4] == b"PK\x01\x02":
        flags, = struct.unpack_from("<H", directory, at + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", directory, at + 28)
        raw = bytes(directory[at + 46 : at + 46 + name_len])
        if flags & UTF8_NAME_FLAG:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                struct.pack_into("<H", directory, at + 8, flags & ~UTF8_NAME_FLAG)
                invalid[raw.decode("cp437")] = raw
        at += 46 + name_len + extra_len + comment_len
    upload.seek(0)
    return zipfile.ZipFile(_CentralDirectoryOverlay(upload, offset, bytes(directory))), invalid


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
        return os.path.join(folder, staged_name(name))

    def _copy(self, source, name, declared_size=None):
        if declared_size is not None and declared_size > self.max_bytes:
            self.refused.append((name, [f"file: {declared_size:,} bytes is over the {self.max_bytes:,}-byte limit"]))
            return
        target = self._target(name)
        written = 0
        with open(target, "wb") as out:  # a name the file system takes (staged_name)
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
            archive, invalid_names = open_zip(upload)
        except (zipfile.BadZipFile, OSError, ValueError, struct.error):
            self.refused.append((zip_name, ["zip: not a readable zip archive"]))
            return
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) + self.count > MAX_FILES:
                raise UploadRefused(f"{zip_name}: more than {MAX_FILES:,} files in one upload; split it up.")
            if sum(info.file_size for info in members) + self.total > MAX_TOTAL_BYTES:
                raise UploadRefused(f"{zip_name}: expands to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB.")
            for info in members:
                if info.orig_filename in invalid_names:
                    self.refused.append((
                        f"{zip_name}/{invalid_names[info.orig_filename]!r}",
                        ["zip: this name is not valid UTF-8 although the archive says it is; "
                         "rename the file and zip it again"],
                    ))
                    continue
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
                    # The message may name the staged file: the editor sees the uploaded name only.
                    detail = str(exc).replace(self.root, "upload")
                    self.refused.append((name, [f"zip: cannot be extracted ({detail})"]))


def staged_name(name):
    """The base name a file is staged under: the uploaded one, shortened to what a file system takes
    (the suffix kept: the importer picks files by it). The editor still sees the uploaded name."""
    base = os.path.basename(name.replace("\\", "/")) or "file"
    if len(base.encode("utf-8")) <= MAX_STAGED_NAME_BYTES:
        return base
    stem, suffix = os.path.splitext(base)
    suffix = suffix[:16]
    room = MAX_STAGED_NAME_BYTES - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + suffix


def start_upload(files, *, user, dry_run=False):
    """Stage an upload where the worker can read it and queue its import. Returns the ImportJob."""
    root = Path(settings.NEWSROOM_IMPORT_STAGING_DIR) / uuid.uuid4().hex
    root.mkdir(parents=True)
    try:
        staging = Staging(str(root), max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES)
        for upload in files:
            staging.add_upload(upload)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    job = ImportJob.objects.create(
        created_by=user,
        dry_run=dry_run,
        staging_dir=str(root),
        names=staging.names,
        refused_before_import=staging.refused,
        files_total=len(staging.names),
    )
    enqueue(job)
    job.refresh_from_db()
    return job


def upload_view(model_admin, request):
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    error = None
    recover_stale_jobs()  # the recent jobs listed below say what really happened
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = start_upload(form.cleaned_data["files"], user=request.user, dry_run=form.cleaned_data["dry_run"])
            except UploadRefused as exc:
                error = str(exc)
            else:
                return HttpResponseRedirect(reverse("admin:articles_article_import_job", args=[job.pk]))
            form = UploadForm()
    else:
        form = UploadForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import files",
        "opts": model_admin.model._meta,
        "form": form,
        "error": error,
        "max_bytes": settings.NEWSROOM_IMPORT_MAX_BYTES,
        "max_files": MAX_FILES,
        "recent_jobs": with_counts(ImportJob.objects.select_related("created_by"))[:10],
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def with_counts(jobs):
    """Jobs with their result's counts (created, updated, unchanged, refused) as `counts`, without
    loading each result's file-by-file lists."""
    return jobs.defer("names", "refused_before_import", "result").annotate(counts=F("result__counts"))


# Up to this many imported articles are linked as one filtered article list.
LIST_LINK_MAX = 500


def result_counts(result):
    """created / updated / unchanged / refused of a finished job (counted again for older results)."""
    if not result:
        return None
    if "counts" in result:
        return result["counts"]
    outcomes = [outcome for _, outcome, *_ in result.get("outcomes", ())]
    counts = {name: outcomes.count(name) for name in ("created", "updated", "unchanged")}
    return {**counts, "refused": len(result.get("refused", ()))}


def imported_list_url(result):
    """The article list showing what the job created or updated, or "" when there is none (or too many)."""
    ids = sorted({pk for _, outcome, _, pk in result.get("outcomes", ()) if pk and outcome in ("created", "updated")})
    if not ids or len(ids) > LIST_LINK_MAX:
        return ""
    return reverse("admin:articles_article_changelist") + "?id__in=" + ",".join(map(str, ids))


def import_job_view(model_admin, request, job_id):
    """A job's progress (the page refreshes itself while it runs) and, once done, its result."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    recover_stale_jobs()
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Import #{job.pk}",
        "opts": model_admin.model._meta,
        "job": job,
        "result": job.result,
        "counts": result_counts(job.result),
        "imported_list_url": imported_list_url(job.result or {}),
    }
    return TemplateResponse(request, "admin/articles/article/import_job.html", context)

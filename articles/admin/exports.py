"""The admin's export jobs: a page that follows one, and the download of its finished zip."""

import os

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from articles.models import ExportJob


def _job_for(model_admin, request, job_id):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    job = get_object_or_404(ExportJob.objects.select_related("created_by"), pk=job_id)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise PermissionDenied  # the articles an editor chose are theirs to download
    return job


def export_job_view(model_admin, request, job_id):
    from articles.export_jobs import recover_stale_exports

    recover_stale_exports()
    job = _job_for(model_admin, request, job_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Export #{job.pk}",
        "opts": model_admin.model._meta,
        "job": job,
    }
    return TemplateResponse(request, "admin/articles/article/export_job.html", context)


def export_download_view(model_admin, request, job_id):
    """The finished zip, streamed from disk."""
    job = _job_for(model_admin, request, job_id)
    if job.status != ExportJob.Status.DONE or not os.path.exists(job.archive):
        raise Http404("This export is not ready, or its file was removed.")
    stamp = job.finished_at.strftime("%Y%m%d-%H%M%S")
    return FileResponse(
        open(job.archive, "rb"), as_attachment=True, filename=f"articles-{stamp}.zip", content_type="application/zip"
    )

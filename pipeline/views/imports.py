"""Pages of spreadsheet imports: upload, map the columns and preview, follow the progress, read the report, and
the empty template."""

import io

import openpyxl
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import role_required
from accounts.roles import IMPORTERS
from config.web import put_errors, xlsx_response
from config.xlsx import append_row

from ..forms import imports as forms
from ..models import ImportJob
from ..models.imports import ImportKind, ImportStatus
from ..services import importing


@role_required(*IMPORTERS)
def import_new(request):
    form = forms.ImportUploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind", "leads")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.import_upload(
                by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            return redirect("pipeline:import_detail", job.pk)
    jobs = ImportJob.objects.visible_to(request.user)[:20]
    return render(
        request, "pipeline/import_new.html", {"form": form, "jobs": jobs, "sync_max": importing.SYNC_MAX_ROWS}
    )


@role_required(*IMPORTERS)
def import_detail(request, pk):
    """Map columns and preview (before the start), follow the progress, read the report."""
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    targets = importing.targets_for(job.kind, job.created_by)
    if request.method == "POST" and job.status == ImportStatus.UPLOADED:
        mapping = {str(i): request.POST.get(f"col_{i}", "") for i in range(len(job.headers))}
        try:
            if "start" in request.POST:
                job = importing.import_start(job=job, by=request.user, mapping=mapping)
                if job.status == ImportStatus.DONE:
                    messages.success(request, _("Import finished."))
            else:
                importing.import_set_mapping(job=job, by=request.user, mapping=mapping)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("pipeline:import_detail", job.pk)
    context = {"job": job, "targets": targets}
    if job.status == ImportStatus.UPLOADED:
        try:
            context["preview"] = importing.preview(job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        context["columns"] = [(i, h, job.mapping.get(str(i), "")) for i, h in enumerate(job.headers)]
    return render(request, "pipeline/import_detail.html", context)


@role_required(*IMPORTERS)
def import_status(request, pk):
    """Progress of a running import, polled by the page."""
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "processed_rows": job.processed_rows,
            "total_rows": job.total_rows,
            "finished": job.finished,
        }
    )


@role_required(*IMPORTERS)
def import_template(request, kind):
    """An empty workbook with the headers import recognises (in the user's language)."""
    if kind not in ImportKind.values:
        raise PermissionDenied
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(ImportKind(kind).label)
    append_row(sheet, [label for target, label in importing.targets_for(kind, request.user)])
    out = io.BytesIO()
    workbook.save(out)
    return xlsx_response(out.getvalue(), f"{kind}-template.xlsx")

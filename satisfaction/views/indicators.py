"""Service-quality indicators: the open early warnings, readings, the spreadsheet upload; follow-up tasks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import INDICATOR_WRITERS, SATISFACTION_VIEWERS
from config.web import put_errors, xlsx_response

from ..forms import ReadingForm, ReadingUploadForm, TaskDoneForm
from ..models import FollowUpTask, Indicator, IndicatorReading, IndicatorWarning, ReadingSource
from ..services import indicators as services
from ..services import surveys as survey_services


def _page(request, upload_form=None, reading_form=None, upload_errors=None, status=200):
    user = request.user
    may_write = user.role in INDICATOR_WRITERS
    return render(
        request,
        "satisfaction/indicators.html",
        {
            "indicators": Indicator.objects.filter(active=True),
            "warnings": IndicatorWarning.objects.visible_to(user)
            .open()
            .select_related("client", "indicator")[:200],
            "readings": IndicatorReading.objects.visible_to(user).select_related("client", "indicator")[:50],
            "may_write": may_write,
            "upload_form": upload_form or (ReadingUploadForm() if may_write else None),
            "reading_form": reading_form or (ReadingForm(user=user) if may_write else None),
            "upload_errors": upload_errors or [],
        },
        status=status,
    )


@role_required(*SATISFACTION_VIEWERS)
def indicators(request):
    return _page(request)


@require_POST
@role_required(*INDICATOR_WRITERS)
def indicator_upload(request):
    form = ReadingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, upload_form=form, status=400)
    file = form.cleaned_data["file"]
    try:
        result = services.readings_upload(by=request.user, file=file, today=timezone.localdate())
    except ValidationError as exc:
        errors = exc.message_dict.get("rows", []) if hasattr(exc, "error_dict") else exc.messages
        if hasattr(exc, "error_dict") and "file" in exc.message_dict:
            form.add_error("file", exc.message_dict["file"])
        return _page(request, upload_form=form, upload_errors=errors, status=400)
    messages.success(
        request,
        _("%(created)s readings added, %(updated)s corrected, %(raised)s new warnings.")
        % {"created": result["created"], "updated": result["updated"], "raised": result["warnings_raised"]},
    )
    return redirect("satisfaction:indicators")


@require_POST
@role_required(*INDICATOR_WRITERS)
def reading_add(request):
    form = ReadingForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        row = {
            "client": data["client"].pk,
            "indicator": data["indicator"].code,
            "day": data["day"],
            "value": data["value"],
        }
        try:
            services.readings_record(
                by=request.user,
                rows=[(_("Reading"), row)],
                source=ReadingSource.FORM,
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("satisfaction:indicators")
    return _page(request, reading_form=form, status=400)


@role_required(*INDICATOR_WRITERS)
def indicator_template(request):
    return xlsx_response(services.indicator_template(), "indicator-readings.xlsx")


@role_required(*SATISFACTION_VIEWERS)
def task_list(request):
    tasks = FollowUpTask.objects.visible_to(request.user).select_related("client", "assignee", "response")
    if request.GET.get("all") != "1":
        tasks = tasks.open()
    return render(
        request,
        "satisfaction/task_list.html",
        {
            "tasks": tasks.order_by("done_at", "due_on", "pk")[:200],
            "show_all": request.GET.get("all") == "1",
            "form": TaskDoneForm(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@role_required(*SATISFACTION_VIEWERS)
def task_done(request, pk):
    task = get_object_or_404(FollowUpTask.objects.visible_to(request.user), pk=pk)
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what was done."))
        return redirect("satisfaction:task_list")
    try:
        survey_services.task_done(
            by=request.user, task=task, note=form.cleaned_data["note"], now=timezone.now()
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("satisfaction:task_list")

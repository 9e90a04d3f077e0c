from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import COMPLAINT_ROLES
from config.paging import page_of
from config.web import put_errors

from .. import selectors
from ..forms import CloseForm, ComplaintForm, NoteForm, ReassignForm, ReopenForm, ResolveForm
from ..models import Category, Complaint, ComplaintStatus, Severity
from ..services import complaints as services


@role_required(*COMPLAINT_ROLES)
def complaint_list(request):
    now = timezone.now()
    status = request.GET.get("status", "unresolved")
    severity = request.GET.get("severity", "")
    category = request.GET.get("category", "")
    # What the page's filter form sent, under the names of the API's filters (one selector reads both).
    params = {
        "unresolved": "true" if status == "unresolved" else None,
        "status": status if status in ComplaintStatus.values else None,
        "severity": severity if severity in Severity.values else None,
        "category": category if category in Category.values else None,
        "overdue": "true" if request.GET.get("overdue") else None,
        "mine": "true" if request.GET.get("mine") else None,
    }
    qs = selectors.complaint_list(
        request, {k: v for k, v in params.items() if v}, order=selectors.COMPLAINTS_DUE_FIRST
    )
    page = page_of(request, qs)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "satisfaction/complaint_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "now": now,
            "status": status,
            "severity": severity,
            "category": category,
            "statuses": ComplaintStatus.choices,
            "severities": Severity.choices,
            "categories": Category.choices,
            "overdue": bool(request.GET.get("overdue")),
            "mine": bool(request.GET.get("mine")),
        },
    )


@role_required(*COMPLAINT_ROLES)
def complaint_new(request):
    initial = {"client": request.GET.get("client")} if request.GET.get("client", "").isdecimal() else {}
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_create(by=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(
                request,
                _("Complaint recorded; to resolve by %(due)s.")
                % {"due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("satisfaction:complaint_detail", complaint.pk)
    return render(request, "satisfaction/complaint_form.html", {"form": form})


def _complaint(request, pk):
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related("client", "owner", "created_by"), pk=pk
    )


@role_required(*COMPLAINT_ROLES)
def complaint_detail(request, pk):
    complaint = _complaint(request, pk)
    return render(
        request,
        "satisfaction/complaint_detail.html",
        {
            "complaint": complaint,
            "events": complaint.events.select_related("by"),
            "overdue": complaint.is_overdue(timezone.now()),
            "start_form": NoteForm(),
            "resolve_form": ResolveForm(),
            "close_form": CloseForm(),
            "reopen_form": ReopenForm(),
            "reassign_form": ReassignForm(user=request.user),
        },
    )


ACTIONS = {
    # action: (form, service, {service argument: form field})
    "start": (NoteForm, services.complaint_start, {"note": "note"}),
    "resolve": (ResolveForm, services.complaint_resolve, {"resolution": "resolution"}),
    "close": (CloseForm, services.complaint_close, {"confirmation": "confirmation"}),
    "reopen": (ReopenForm, services.complaint_reopen, {"reason": "reason"}),
    "reassign": (ReassignForm, services.complaint_reassign, {"owner": "owner"}),
}


@require_POST
@role_required(*COMPLAINT_ROLES)
def complaint_action(request, pk, action):
    complaint = _complaint(request, pk)
    if action not in ACTIONS:
        return redirect("satisfaction:complaint_detail", pk)
    form_class, service, mapping = ACTIONS[action]
    kwargs = {"user": request.user} if form_class is ReassignForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("satisfaction:complaint_detail", pk)
    try:
        service(
            by=request.user,
            complaint=complaint,
            now=timezone.now(),
            **{arg: form.cleaned_data[field] for arg, field in mapping.items()},
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("satisfaction:complaint_detail", pk)

"""Pages of leads (steps 1-2): capture on a phone, the lead list and page, the review queue and the live duplicate
check. Each view looks records up through `visible_to`, parses a form, calls a service, and renders
or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import LEAD_COLLECTORS, REVIEWERS
from config.files import stored_file_response
from config.throttling import rate_limited
from config.web import put_errors, xlsx_response

from ..forms import leads as forms
from ..models import Client, Competitor, Lead, LeadPhoto
from ..models.imports import ImportKind
from ..models.leads import LeadStatus, RejectReason
from ..selectors import leads as lead_selectors
from ..services import importing, matching, validation
from ..services import leads as services
from .common import next_url, page_of, querystring

QUEUE_PAGE = 25  # cards with their forms; the count above says how many wait, the pager shows the rest


def _lead(request, pk) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "collected_by", "area", "station", "duplicate_of__station", "client", "reviewed_by"
        ),
        pk=pk,
    )


# --- Capture ---------------------------------------------------------------------------------------------


@never_cache  # "back" after saving must not bring the same form (and its idempotency key) again
@role_required(*LEAD_COLLECTORS)
def lead_capture(request):
    """One phone screen: the customer-information form, a card photo from the camera, one tap to submit."""
    competitors = Competitor.objects.filter(is_active=True).order_by("pk")
    form = forms.LeadForm(request.POST or None, request.FILES or None, competitors=competitors, with_key=True)
    if request.method == "POST" and form.is_valid():
        try:
            lead, created = services.lead_submit(
                by=request.user,
                data=form.service_data(),
                photos=request.FILES.getlist("photos"),
                idempotency_key=form.cleaned_data.get("idempotency_key", ""),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            if created:
                messages.success(request, _("Lead saved: %(name)s.") % {"name": lead.company_name})
            if lead.duplicate_of_id:
                known = matching.known_client(request.user, lead.duplicate_of)
                messages.warning(
                    request,
                    _("It matches an existing client, “%(name)s”; the marketer will attach it there.")
                    % {"name": known["name"]}
                    if known["visible"]
                    else _(
                        "Its number or name is already known in station %(station)s; the marketer will check."
                    )
                    % {"station": known["station"]},
                )
            return redirect(reverse("pipeline:lead_detail", args=[lead.pk]) + "?saved=1")
    today = Lead.objects.filter(collected_by=request.user, collected_on=timezone.localdate()).count()
    return render(request, "pipeline/lead_form.html", {"form": form, "today_count": today})


# --- Lead list and page ------------------------------------------------------------------------------------


@login_required
def lead_list(request):
    form = forms.LeadFilterForm(request.GET or None, user=request.user)
    qs = lead_selectors.lead_list(request.user, form.params()).select_related(
        "collected_by", "area", "duplicate_of"
    )
    if request.GET.get("export") == "xlsx":
        try:
            content = importing.export_xlsx(qs, ImportKind.LEADS)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('pipeline:lead_list')}?{querystring(request, export=1)}")
        return xlsx_response(content, f"leads-{timezone.localdate()}.xlsx")
    page = page_of(request, qs)
    return render(
        request,
        "pipeline/lead_list.html",
        {
            "form": form,
            "page": page,
            "query": querystring(request),
            "can_capture": request.user.role in LEAD_COLLECTORS,
            "can_import": request.user.role in LEAD_COLLECTORS,
        },
    )


@login_required
def lead_detail(request, pk):
    lead = _lead(request, pk)
    can_review = services.can_review(lead, request.user)
    context = {
        "lead": lead,
        "contacts": lead.contacts.all(),
        "competitors": lead.competitors.select_related("competitor"),
        "photos": lead.photos.all(),
        "events": lead.events.select_related("by"),
        "can_edit": services.can_edit(lead, request.user),
        "can_resubmit": lead.status == LeadStatus.RETURNED
        and request.user.pk in (lead.collected_by_id, lead.created_by_id),
        "can_review": can_review,
        "missing": services.missing_for_acceptance(lead),
        "missing_labels": [validation.field_label(Lead, n) for n in services.missing_for_acceptance(lead)],
        "reject_choices": RejectReason.choices,
        "saved": request.GET.get("saved") == "1",
        "client_url": matching.client_url(lead.client_id) if lead.client_id else "",
        "duplicate": matching.known_client(request.user, lead.duplicate_of) if lead.duplicate_of_id else None,
    }
    return render(request, "pipeline/lead_detail.html", context)


@login_required
def lead_edit(request, pk):
    """Complete or correct an open lead; a returned lead's collector resubmits it from here."""
    lead = _lead(request, pk)
    if not services.can_edit(lead, request.user):
        raise PermissionDenied
    resubmit = lead.status == LeadStatus.RETURNED and request.user.pk in (
        lead.collected_by_id,
        lead.created_by_id,
    )
    competitors = Competitor.objects.filter(
        Q(is_active=True) | Q(pk__in=lead.competitors.values("competitor_id"))
    ).order_by("pk")
    form = forms.LeadForm(
        request.POST or None,
        request.FILES or None,
        initial=forms.LeadForm.initial_for(lead),
        competitors=competitors,
    )
    if request.method == "POST" and form.is_valid():
        photos = request.FILES.getlist("photos")
        try:
            if resubmit:
                services.lead_resubmit(lead=lead, by=request.user, data=form.service_data(), photos=photos)
                messages.success(request, _("Completed and sent back for review."))
            else:
                services.lead_update(lead=lead, by=request.user, data=form.service_data(), photos=photos)
                messages.success(request, _("Saved."))
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            return redirect("pipeline:lead_detail", lead.pk)
    return render(request, "pipeline/lead_form.html", {"form": form, "lead": lead, "resubmit": resubmit})


@require_POST
@login_required
def lead_photo_add(request, pk):
    lead = _lead(request, pk)
    try:
        services.lead_add_photos(lead=lead, by=request.user, photos=request.FILES.getlist("photos"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Photo added."))
    return redirect("pipeline:lead_detail", lead.pk)


# --- Review (step 2) ---------------------------------------------------------------------------------------


@role_required(*REVIEWERS)
def review_queue(request):
    """The area's submitted leads, oldest first, with what is missing highlighted."""
    page = page_of(
        request,
        lead_selectors.review_queue(request.user).prefetch_related("photos", "competitors__competitor"),
        size=QUEUE_PAGE,
    )
    leads, total = page.object_list, page.count
    twins = lead_selectors.pending_twins(request.user, leads)
    visible = set(
        Client.objects.visible_to(request.user)
        .filter(pk__in={lead.duplicate_of_id for lead in leads if lead.duplicate_of_id})
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "lead": lead,
            "duplicate": matching.known_client(
                request.user, lead.duplicate_of, visible=lead.duplicate_of_id in visible
            )
            if lead.duplicate_of_id
            else None,
            "missing": set(services.missing_for_acceptance(lead)),
            "missing_labels": [
                validation.field_label(Lead, n) for n in services.missing_for_acceptance(lead)
            ],
            "twins": twins.get(lead.pk, []),
        }
        for lead in leads
    ]
    return render(
        request,
        "pipeline/review_queue.html",
        {"rows": rows, "total": total, "page": page, "reject_choices": RejectReason.choices},
    )


@require_POST
@role_required(*REVIEWERS)
def lead_accept(request, pk):
    lead = _lead(request, pk)
    try:
        client = services.lead_accept(
            lead=lead, by=request.user, new_client=request.POST.get("new_client") == "1"
        )
    except ValidationError as exc:
        messages.error(
            request,
            " ".join(exc.message_dict.get("__all__", exc.messages))
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages),
        )
    else:
        messages.success(
            request,
            _("Accepted: “%(lead)s” is now client “%(client)s”.")
            % {"lead": lead.company_name, "client": client.name},
        )
    return redirect(next_url(request, reverse("pipeline:review_queue")))


@require_POST
@role_required(*REVIEWERS)
def lead_return(request, pk):
    lead = _lead(request, pk)
    form = forms.ReturnForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say what is missing."))
        services.lead_return(lead=lead, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Returned to %(name)s.") % {"name": lead.collected_by})
    return redirect(next_url(request, reverse("pipeline:review_queue")))


@require_POST
@role_required(*REVIEWERS)
def review_bulk(request):
    """Accept or return the leads ticked in the queue, one message per lead."""
    ids = [int(v) for v in request.POST.getlist("leads") if v.isdecimal() and int(v) < 2**31]
    leads = (
        Lead.objects.visible_to(request.user).filter(pk__in=ids).select_related("collected_by").order_by("pk")
    )
    try:
        results = services.leads_review_bulk(
            leads=leads,
            by=request.user,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("pipeline:review_queue"))
    for result in results:
        name = result.lead.company_name
        if not result.ok:
            messages.error(
                request, _("%(name)s: not done. %(why)s") % {"name": name, "why": " ".join(result.errors)}
            )
        elif result.client is not None:
            messages.success(
                request,
                _("Accepted: “%(lead)s” is now client “%(client)s”.")
                % {"lead": name, "client": result.client.name},
            )
        else:
            messages.success(
                request,
                _("Returned “%(lead)s” to %(name)s.") % {"lead": name, "name": result.lead.collected_by},
            )
    return redirect(reverse("pipeline:review_queue"))


@require_POST
@role_required(*REVIEWERS)
def lead_reject(request, pk):
    lead = _lead(request, pk)
    form = forms.RejectForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose why and say why."))
        services.lead_reject(
            lead=lead,
            by=request.user,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Rejected: %(name)s.") % {"name": lead.company_name})
    return redirect(next_url(request, reverse("pipeline:review_queue")))


@login_required
@rate_limited("duplicates", json=True)
def lead_lookup(request):
    """The capture form's live duplicate check (also at /api/v1/leads/duplicates/)."""
    name = (request.GET.get("company_name") or "")[:200]
    phone = (request.GET.get("contact_phone") or "")[:40]
    exclude = request.GET.get("exclude")
    matches = matching.find_matches(
        user=request.user,
        company_name=name,
        phones=[phone],
        exclude_lead_id=int(exclude) if exclude and exclude.isdecimal() else None,
    )
    return JsonResponse({"matches": [m.as_dict() for m in matches]}, json_dumps_params={"default": str})


@login_required
def lead_photo(request, pk):
    """A card photo, to whoever sees its lead or its client; 404 to anybody else."""
    photo = get_object_or_404(LeadPhoto.objects.visible_to(request.user), pk=pk)
    return stored_file_response(photo.image)

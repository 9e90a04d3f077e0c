"""Pages of steps 1-2: capture on a phone, the lead list and page, the review queue, client lists and the
screening list, client record pages (profile, contacts, visit plan, competitor volumes, merge), competitors,
imports and exports. Each view looks records up through `visible_to`, parses a form, calls a service, and renders
or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Role, Station
from accounts.permissions import role_required
from config.web import put_errors, xlsx_response

from ..forms import leads as forms
from ..models import Client, ClientCompetitorVolume, ClientMerge, Competitor, ImportJob, Lead
from ..models.imports import ImportKind, ImportStatus
from ..models.leads import LeadStatus, RejectReason
from ..models.loop import Stage
from ..selectors import leads as lead_selectors
from ..services import clients as client_services
from ..services import importing, matching, screening, validation
from ..services import leads as services

PAGE_SIZE = 50
QUEUE_PAGE = 200  # a day's review at most; the count above says when there are more
COLLECTORS = tuple(services.LEAD_COLLECTORS)
REVIEWERS = tuple(services.REVIEWERS)
EDITORS = tuple(screening.CLIENT_EDITORS)
READERS_OF_CLIENTS = tuple(Role)  # every role reads clients, scoped by visible_to


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _querystring(request, **drop) -> str:
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params.urlencode()


def _lead(request, pk) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "collected_by", "area", "station", "duplicate_of", "client", "reviewed_by"
        ),
        pk=pk,
    )


def _client(request, pk) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user).select_related("station", "area"), pk=pk)


# --- Capture ---------------------------------------------------------------------------------------------


@never_cache  # "back" after saving must not bring the same form (and its idempotency key) again
@role_required(*COLLECTORS)
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
                messages.warning(
                    request,
                    _("It matches an existing client, “%(name)s”; the marketer will attach it there.")
                    % {"name": lead.duplicate_of.name},
                )
            return redirect(reverse("pipeline:lead_detail", args=[lead.pk]) + "?saved=1")
    today = Lead.objects.filter(collected_by=request.user, collected_on=timezone.localdate()).count()
    return render(request, "pipeline/lead_form.html", {"form": form, "today_count": today})


# --- Lead list and page ------------------------------------------------------------------------------------


@login_required
def lead_list(request):
    form = forms.LeadFilterForm(request.GET or None, user=request.user)
    qs = form.filter(
        Lead.objects.visible_to(request.user).select_related("collected_by", "area", "duplicate_of", "client")
    ).order_by("-collected_at", "-pk")
    if request.GET.get("export") == "xlsx":
        try:
            content = importing.export_xlsx(qs, ImportKind.LEADS)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('pipeline:lead_list')}?{_querystring(request, export=1)}")
        return xlsx_response(content, f"leads-{timezone.localdate()}.xlsx")
    page = _page(request, qs)
    return render(
        request,
        "pipeline/lead_list.html",
        {
            "form": form,
            "page": page,
            "query": _querystring(request),
            "can_capture": request.user.role in services.LEAD_COLLECTORS,
            "can_import": request.user.role in services.LEAD_COLLECTORS,
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
        "duplicate_url": matching.client_url(lead.duplicate_of_id)
        if lead.duplicate_of_id
        and Client.objects.visible_to(request.user).filter(pk=lead.duplicate_of_id).exists()
        else "",
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
    leads = list(
        lead_selectors.review_queue(request.user).prefetch_related("photos", "competitors__competitor")[
            :QUEUE_PAGE
        ]
    )
    total = lead_selectors.review_queue(request.user).count() if len(leads) == QUEUE_PAGE else len(leads)
    rows = [
        {
            "lead": lead,
            "missing": set(services.missing_for_acceptance(lead)),
            "missing_labels": [
                validation.field_label(Lead, n) for n in services.missing_for_acceptance(lead)
            ],
        }
        for lead in leads
    ]
    return render(
        request,
        "pipeline/review_queue.html",
        {"rows": rows, "total": total, "reject_choices": RejectReason.choices},
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
    return redirect(_next(request, reverse("pipeline:review_queue")))


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
    return redirect(_next(request, reverse("pipeline:review_queue")))


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
    return redirect(_next(request, reverse("pipeline:review_queue")))


@login_required
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


# --- Clients -----------------------------------------------------------------------------------------------


def _client_rows(clients):
    return [
        {
            "client": c,
            "url": matching.client_url(c.pk),
            "signals": [s for s in screening.SIGNALS if s.applies(c)],
        }
        for c in clients
    ]


@login_required
def client_list(request):
    form = forms.ClientFilterForm(request.GET or None, user=request.user)
    qs = form.filter(
        Client.objects.visible_to(request.user).active().select_related("area", "owner"),
        default_sort="updated",
    )
    if request.GET.get("export") == "xlsx":
        try:
            content = importing.export_xlsx(qs, ImportKind.CLIENTS)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('pipeline:client_list')}?{_querystring(request, export=1)}")
        return xlsx_response(content, f"clients-{timezone.localdate()}.xlsx")
    page = _page(request, qs)
    return render(
        request,
        "pipeline/client_list.html",
        {
            "form": form,
            "page": page,
            "rows": _client_rows(page.object_list),
            "query": _querystring(request),
            "can_edit": request.user.role in screening.CLIENT_EDITORS,
        },
    )


@login_required
def screening_list(request):
    """The marketer's screening list: clients still in collection or screening, highest priority first."""
    form = forms.ClientFilterForm(request.GET or None, user=request.user)
    qs = form.filter(
        Client.objects.visible_to(request.user)
        .active()
        .filter(stage__in=[Stage.COLLECT, Stage.SCREEN])
        .select_related("area", "owner")
        .prefetch_related("contacts"),
        default_sort="priority",
    )
    page = _page(request, qs)
    rows = []
    prices = {}
    for client in page.object_list:
        if client.station_id not in prices:
            prices[client.station_id] = screening.average_price_for(client.station_id)
        rows.append(
            {
                "client": client,
                "url": matching.client_url(client.pk),
                "assessment": screening.assess(client, average_price=prices[client.station_id]),
            }
        )
    return render(
        request,
        "pipeline/screening_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _querystring(request),
            "can_edit": request.user.role in screening.CLIENT_EDITORS,
        },
    )


@role_required(*EDITORS)
def client_new(request):
    competitors = Competitor.objects.filter(is_active=True).order_by("pk")
    form = forms.NewClientForm(request.POST or None, user=request.user)
    volumes = forms.VolumesForm(
        request.POST or None, competitors=competitors, prefix="v", initial={"month": timezone.localdate()}
    )
    volumes.fields["month"].required = False
    if request.method == "POST" and form.is_valid() and volumes.is_valid():
        try:
            client = client_services.client_create(
                by=request.user,
                data=form.service_data(),
                area=form.cleaned_data.get("area"),
                contacts=form.contacts(),
                competitors=volumes.volumes(),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Client created."))
            return redirect(matching.client_url(client.pk))
    return render(request, "pipeline/client_form.html", {"form": form, "volumes": volumes, "client": None})


@role_required(*EDITORS)
def client_edit(request, pk):
    client = _client(request, pk)
    form = forms.ClientForm(
        request.POST or None, initial=forms.ClientForm.initial_for(client), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            client_services.client_update(
                client=client, by=request.user, data=form.service_data(), area=form.cleaned_data.get("area")
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(matching.client_url(client.pk))
    return render(
        request,
        "pipeline/client_form.html",
        {"form": form, "client": client, "client_url": matching.client_url(client.pk)},
    )


@role_required(*EDITORS)
def client_contacts(request, pk):
    client = _client(request, pk)
    initial = [
        {
            "id": c.pk,
            "name": c.name,
            "title": c.title,
            "role": c.role,
            "phone": c.phone,
            "phone2": c.phone2,
            "email": c.email,
        }
        for c in client.contacts.all()
    ]
    formset = forms.ContactFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        rows = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data
            and (f.cleaned_data.get("id") or f.cleaned_data.get("name") or f.cleaned_data.get("phone"))
        ]
        try:
            client_services.client_contacts_save(client=client, by=request.user, contacts=rows)
        except ValidationError as exc:
            for messages_ in exc.message_dict.values():
                for m in messages_:
                    formset._non_form_errors = formset.non_form_errors() + [m]
        else:
            messages.success(request, _("Contacts saved."))
            return redirect(matching.client_url(client.pk))
    return render(
        request,
        "pipeline/client_contacts.html",
        {"formset": formset, "client": client, "client_url": matching.client_url(client.pk)},
    )


@role_required(*EDITORS)
def client_plan(request, pk):
    """The screening decision and the visit plan of step 2."""
    client = _client(request, pk)
    initial = {name: getattr(client, name) for name in screening.VISIT_PLAN_FIELDS}
    initial["difficulty_manual"] = client.difficulty_manual
    form = forms.VisitPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            screening.client_screen(
                client=client,
                by=request.user,
                difficulty_manual=form.cleaned_data["difficulty_manual"],
                visit_plan=form.plan(),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Screening and visit plan saved."))
            return redirect(matching.client_url(client.pk))
    context = {"form": form, "client": client, "client_url": matching.client_url(client.pk)}
    context.update(screening.client_profile_context(client))
    return render(request, "pipeline/client_plan.html", context)


@role_required(*EDITORS)
def client_competitors(request, pk):
    client = _client(request, pk)
    competitors = Competitor.objects.filter(is_active=True).order_by("pk")
    form = forms.VolumesForm(
        request.POST or None, competitors=competitors, initial={"month": timezone.localdate().replace(day=1)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            client_services.client_competitor_volumes_set(
                client=client, by=request.user, month=form.cleaned_data["month"], volumes=form.volumes()
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Competitor volumes saved."))
            return redirect(matching.client_url(client.pk))
    history = (
        ClientCompetitorVolume.objects.filter(client=client)
        .select_related("competitor")
        .order_by("-month", "competitor__name")
    )
    return render(
        request,
        "pipeline/client_competitors.html",
        {"form": form, "client": client, "history": history, "client_url": matching.client_url(client.pk)},
    )


@role_required(*EDITORS)
def client_merge(request, pk):
    """Merge another client into this one: find it, confirm, merge."""
    client = _client(request, pk)
    if client.is_merged:
        messages.error(request, _("This client was merged into another; merge into that one."))
        return redirect(matching.client_url(client.merged_into_id))
    visible = Client.objects.visible_to(request.user).active().exclude(pk=client.pk).select_related("area")
    q = (request.GET.get("q") or "").strip()
    if q:
        from ..api.clients import ClientFilter

        candidates = ClientFilter().search(visible, "q", q)[:20]
    else:
        candidates = matching.similar_clients(client.normalized_name).filter(pk__in=visible.values("pk"))[:20]
    other = None
    form = forms.MergeForm(request.POST or None, initial={"other": request.GET.get("other")})
    other_id = request.POST.get("other") or request.GET.get("other")
    if other_id and str(other_id).isdecimal():
        other = visible.filter(pk=other_id).first()
    if request.method == "POST" and form.is_valid():
        if other is None:
            raise PermissionDenied
        try:
            record = client_services.client_merge(
                kept=client, merged=other, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("“%(merged)s” was merged into “%(kept)s”: %(n)s records moved.")
                % {"merged": other.name, "kept": client.name, "n": sum(record.moved.values())},
            )
            return redirect(matching.client_url(client.pk))
    return render(
        request,
        "pipeline/client_merge.html",
        {
            "client": client,
            "candidates": candidates,
            "other": other,
            "other_leads": other.leads.count() if other else 0,
            "other_contacts": other.contacts.count() if other else 0,
            "form": form,
            "q": q,
            "client_url": matching.client_url(client.pk),
            "merges": ClientMerge.objects.filter(Q(kept=client) | Q(merged=client)).select_related(
                "kept", "merged", "by"
            ),
        },
    )


# --- Competitors -------------------------------------------------------------------------------------------


@login_required
def competitor_list(request):
    competitors = Competitor.objects.annotate(
        clients=Count("client_volumes__client", distinct=True)
    ).order_by("-is_active", "name")
    return render(
        request,
        "pipeline/competitor_list.html",
        {"competitors": competitors, "can_edit": request.user.role in screening.CLIENT_EDITORS},
    )


@role_required(*EDITORS)
def competitor_edit(request, pk=None):
    competitor = get_object_or_404(Competitor, pk=pk) if pk else None
    form = forms.CompetitorForm(request.POST or None, instance=competitor)
    if request.method == "POST" and form.is_valid():
        try:
            if competitor is not None:
                competitor.refresh_from_db()
            client_services.competitor_save(by=request.user, competitor=competitor, data=form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pipeline:competitor_list")
    return render(request, "pipeline/competitor_form.html", {"form": form, "competitor": competitor})


# --- Screening settings ------------------------------------------------------------------------------------


@role_required(*screening.PRICE_EDITORS)
def screening_settings(request):
    stations = list(Station.objects.visible_to(request.user).order_by("code"))
    if request.method == "POST":
        form = forms.PriceForm(request.POST)
        if form.is_valid():
            station = get_object_or_404(
                Station.objects.visible_to(request.user), pk=form.cleaned_data["station"]
            )
            try:
                screening.screening_settings_update(
                    by=request.user,
                    station=station,
                    average_parcel_price=form.cleaned_data["average_parcel_price"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Average price saved; the station's priorities are recomputed."))
                return redirect("pipeline:screening_settings")
        else:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    rows = [
        {
            "station": s,
            "price": screening.average_price_for(s.pk),
            "is_default": not hasattr(s, "screening_settings"),
        }
        for s in stations
    ]
    return render(request, "pipeline/screening_settings.html", {"rows": rows})


# --- Imports -----------------------------------------------------------------------------------------------

IMPORTERS = tuple(services.LEAD_COLLECTORS | screening.CLIENT_EDITORS)


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
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(ImportKind(kind).label)
    sheet.append([label for target, label in importing.targets_for(kind, request.user)])
    out = io.BytesIO()
    workbook.save(out)
    return xlsx_response(out.getvalue(), f"{kind}-template.xlsx")

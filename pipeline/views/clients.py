"""Pages of client records (step 2): the client list and the screening list, the profile, contacts, visit plan,
competitor volumes and merges, the competitors list and the screening price. Each view looks records up through
`visible_to`, parses a form, calls a service, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Station
from accounts.permissions import role_required
from accounts.roles import CLIENT_EDITORS, COMPETITOR_EDITORS, PRICE_EDITORS
from config.web import put_errors, xlsx_response

from ..forms import clients as forms
from ..models import Client, ClientCompetitorVolume, ClientMerge, Competitor
from ..models.imports import ImportKind
from ..models.loop import Stage
from ..selectors import clients as client_selectors
from ..services import clients as client_services
from ..services import importing, matching, screening
from .common import page_of, querystring


def _client(request, pk) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user).select_related("station", "area"), pk=pk)


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
    form = forms.ClientFilterForm(request.GET or None, user=request.user, default_sort="updated")
    qs = client_selectors.client_list(request.user, form.params(), sort=form.order()).select_related(
        "area", "owner"
    )
    if request.GET.get("export") == "xlsx":
        try:
            content = importing.export_xlsx(qs, ImportKind.CLIENTS)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{reverse('pipeline:client_list')}?{querystring(request, export=1)}")
        return xlsx_response(content, f"clients-{timezone.localdate()}.xlsx")
    page = page_of(request, qs)
    return render(
        request,
        "pipeline/client_list.html",
        {
            "form": form,
            "page": page,
            "rows": _client_rows(page.object_list),
            "query": querystring(request),
            "can_edit": request.user.role in CLIENT_EDITORS,
        },
    )


@login_required
def screening_list(request):
    """The marketer's screening list: clients still in collection or screening, highest priority first."""
    form = forms.ClientFilterForm(request.GET or None, user=request.user, default_sort="priority")
    qs = (
        client_selectors.client_list(request.user, form.params(), sort=form.order())
        .filter(stage__in=[Stage.COLLECT, Stage.SCREEN])
        .select_related("area", "owner")
        .prefetch_related("contacts")
    )
    page = page_of(request, qs)
    rows = []
    # One query for the parcel prices of every station on the page (headquarters see a hundred stations).
    prices = screening.average_prices_for(client.station_id for client in page.object_list)
    for client in page.object_list:
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
            "query": querystring(request),
            "can_edit": request.user.role in CLIENT_EDITORS,
        },
    )


@role_required(*CLIENT_EDITORS)
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


@role_required(*CLIENT_EDITORS)
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


@role_required(*CLIENT_EDITORS)
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


@role_required(*CLIENT_EDITORS)
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


@role_required(*CLIENT_EDITORS)
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


@role_required(*CLIENT_EDITORS)
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


@login_required
def competitor_list(request):
    competitors = Competitor.objects.annotate(
        clients=Count("client_volumes__client", distinct=True)
    ).order_by("-is_active", "name")
    return render(
        request,
        "pipeline/competitor_list.html",
        {"competitors": competitors, "can_edit": request.user.role in COMPETITOR_EDITORS},
    )


@role_required(*COMPETITOR_EDITORS)
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


@role_required(*PRICE_EDITORS)
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

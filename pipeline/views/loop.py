"""Pages of steps 3-10: the client page with its timeline, the step-record forms, the printable proposal, the
kanban board and the funnel. Each view looks the client up through `visible_to`, parses a form, calls a
service, and renders or redirects."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, OuterRef, Subquery, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import LOOP_ROLES
from config.files import stored_file_response
from config.hooks import client_panels
from config.numbers import money_text
from config.web import put_errors

from ..forms import loop as forms
from ..models import Client, Contract, Proposal, StageChange, TrialShipment
from ..models.loop import LOOP, DropReason, Stage
from ..selectors.funnel import funnel, loop_counts
from ..selectors.timeline import section_records, timeline_for
from ..services import steps, transitions
from ..services.screening import client_profile_context

KANBAN_CARDS_PER_COLUMN = 25
# What a kanban card shows of its client, read as plain values (one UNION ALL for the whole board).
CARD_FIELDS = [
    "pk",
    "name",
    "stage",
    "stage_entered_at",
    "tier",
    "expected_revenue",
    "owner__username",
    "owner__display_name",
    "left_from",
]


@dataclass
class Card:
    pk: int
    name: str
    stage: str
    stage_entered_at: datetime
    tier: str
    expected_revenue: Decimal
    owner_username: str | None
    owner_display_name: str | None
    left_from: str | None  # a dropped client: the step it left, where re-opening takes it
    days: int = 0  # in this stage
    url: str = ""

    @property
    def owner(self) -> str:
        """As the owner's name reads everywhere else (User.__str__)."""
        return self.owner_display_name or self.owner_username or ""

    # What the card prints, made here rather than by template tags and filters: a full board has 275 cards.
    @property
    def revenue_text(self) -> str:
        return money_text(self.expected_revenue)

    @property
    def revenue_whole(self) -> int:
        return round(self.expected_revenue)

    @property
    def age(self) -> str:
        return ngettext("%(d)s day", "%(d)s days", self.days) % {"d": self.days}


def _client(request, pk) -> Client:
    return get_object_or_404(
        Client.objects.visible_to(request.user).select_related("station", "area", "owner"), pk=pk
    )


def _done(request, client, message):
    messages.success(request, message)
    return redirect("pipeline:client_detail", client.pk)


def _client_panels(request, client) -> list[str]:
    return [panel(request, client) for panel in client_panels]


# --- The client page ---------------------------------------------------------------------------------------


@login_required
def client_detail(request, pk):
    client = _client(request, pk)
    can_act = transitions.can_move(request.user)
    targets = transitions.legal_targets(client)
    nxt = transitions.next_stage(client.stage)
    records = section_records(client)
    context = {
        "client": client,
        "can_act": can_act,
        "loop": [(s, Stage(s).label) for s in LOOP],
        "loop_index": LOOP.index(client.stage) if client.stage in LOOP else -1,
        "next_stage": nxt,
        "next_label": Stage(nxt).label if nxt else "",
        "missing": transitions.missing_for_next_step(client),
        "move_form": forms.MoveForm(
            targets=targets,
            initial={"to": nxt or (targets[0] if targets else ""), "expected_from": client.stage},
        ),
        "reason_targets": [t for t in targets if transitions.needs_reason(client.stage, t)],
        # The rows the timeline reads too: each kind is read once for both.
        "proposals": records["proposals"][:10],
        "shipments": records["trial_shipments"][:10],
        "contracts": records["contracts"][:5],
        "evaluations": records["evaluations"][:12],
        "opportunities": records["opportunities"][:10],
        "timeline": timeline_for(client),
        "profile": client_profile_context(client),
        "panels": _client_panels(request, client),
        "tier_form": forms.TierForm(initial={"tier": client.tier}, auto_id="tier_%s"),
        "relationship_form": forms.RelationshipForm(initial={"to": client.relationship_stage}),
        "owner_form": forms.OwnerTransferForm(user=request.user) if can_act else None,
        "stage_dropped": client.stage == Stage.DROPPED,
    }
    return render(request, "pipeline/client_detail.html", context)


@require_POST
@role_required(*LOOP_ROLES)
def client_move(request, pk):
    client = _client(request, pk)
    form = forms.MoveForm(request.POST, targets=transitions.legal_targets(client))
    if not form.is_valid():
        messages.error(request, _("Choose where the client goes."))
        return redirect("pipeline:client_detail", client.pk)
    try:
        transitions.move(
            client=client,
            to=form.cleaned_data["to"],
            by=request.user,
            reason=form.cleaned_data["reason"],
            drop_reason=form.cleaned_data["drop_reason"],
            expected_from=form.cleaned_data["expected_from"] or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("pipeline:client_detail", client.pk)
    return _done(request, client, _("Moved to «%(stage)s».") % {"stage": Stage(client.stage).label})


# --- Step-record forms -------------------------------------------------------------------------------------


def _step_form(request, client, form, title, write, *, intro="", formset=None, multipart=False):
    """Render a step-record form; on a valid POST call `write` and go back to the client page."""
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            write()
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            return _done(request, client, _("Saved."))
    return render(
        request,
        "pipeline/step_form.html",
        {
            "client": client,
            "form": form,
            "formset": formset,
            "title": title,
            "intro": intro,
            "multipart": multipart,
        },
    )


@role_required(*LOOP_ROLES)
def survey_new(request, pk):
    client = _client(request, pk)
    form = forms.SurveyForm(request.POST or None, initial={"company_type": client.company_type})

    def write():
        d = form.cleaned_data
        steps.survey_record(
            client=client,
            by=request.user,
            company_type=d["company_type"],
            decision_structure=d["decision_structure"],
            competitors_notes=d["competitors_notes"],
            notes=d["notes"],
            contacts=form.contacts(),
            competitor_volumes=[(d["competitor"], d["competitor_monthly"])] if d.get("competitor") else [],
        )

    return _step_form(
        request,
        client,
        form,
        _("Survey"),
        write,
        intro=_(
            "Company type, decision structure, the key decision maker and an insider, and who serves them now."
        ),
    )


@role_required(*LOOP_ROLES)
def needs_new(request, pk):
    client = _client(request, pk)
    latest = client.needs_analyses.first()
    initial = {f: getattr(latest, f) for f in forms.NeedsForm.Meta.fields} if latest else None
    form = forms.NeedsForm(request.POST or None, initial=initial)
    return _step_form(
        request,
        client,
        form,
        _("Needs analysis"),
        lambda: steps.needs_record(client=client, by=request.user, **form.cleaned_data),
        intro=_(
            "Needs by layer, then the TQCSO view: time, quality, cost, service, openness of information."
        ),
    )


@role_required(*LOOP_ROLES)
def proposal_new(request, pk):
    client = _client(request, pk)
    base = None
    if request.GET.get("from"):
        base = get_object_or_404(Proposal.objects.filter(client=client), pk=request.GET["from"])
    initial = (
        {"title": base.title, "summary": base.summary, "service_commitments": base.service_commitments}
        if base
        else None
    )
    lines_initial = (
        [
            {
                "product": li.product,
                "route": li.route,
                "unit_price": li.unit_price,
                "discount": li.discount,
                "volume_from": li.volume_from,
            }
            for li in base.lines.all()
        ]
        if base
        else None
    )
    form = forms.ProposalForm(request.POST or None, initial=initial)
    formset = forms.QuoteLineFormSet(request.POST or None, initial=lines_initial, prefix="lines")

    def write():
        lines = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("product")]
        try:
            steps.proposal_create(client=client, by=request.user, lines=lines, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "lines" in exc.error_dict:
                formset._non_form_errors = formset.error_class(exc.message_dict.pop("lines"))
                rest = {k: v for k, v in exc.message_dict.items() if k != "lines"}
                if rest:
                    raise ValidationError(rest)
                raise ValidationError("")
            raise

    title = _("New version of «%(title)s»") % {"title": base.title} if base else _("New proposal")
    return _step_form(request, client, form, title, write, formset=formset)


@login_required
def proposal_detail(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("client", "by").prefetch_related("lines"),
        pk=pk,
    )
    form = forms.ProposalStatusForm(request.POST or None, initial={"status": proposal.status})
    if request.method == "POST":
        if not transitions.can_move(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                steps.proposal_set_status(
                    proposal=proposal, by=request.user, status=form.cleaned_data["status"]
                )
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("pipeline:proposal_detail", proposal.pk)
    versions = Proposal.objects.filter(client=proposal.client).only("pk", "version", "status", "created_at")
    return render(
        request,
        "pipeline/proposal_detail.html",
        {"proposal": proposal, "client": proposal.client, "form": form, "versions": versions},
    )


@login_required
def proposal_print(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user)
        .select_related("client", "client__station", "by")
        .prefetch_related("lines"),
        pk=pk,
    )
    return render(request, "pipeline/proposal_print.html", {"proposal": proposal, "client": proposal.client})


@role_required(*LOOP_ROLES)
def shipment_new(request, pk):
    client = _client(request, pk)
    form = forms.TrialShipmentForm(request.POST or None, initial={"sent_on": client.station.local_date()})
    return _step_form(
        request,
        client,
        form,
        _("Trial shipment"),
        lambda: steps.trial_shipment_create(client=client, by=request.user, **form.cleaned_data),
        intro=_("Record the parcels when they leave; add the results when they have arrived."),
    )


@role_required(*LOOP_ROLES)
def shipment_results(request, pk):
    shipment = get_object_or_404(
        TrialShipment.objects.visible_to(request.user).select_related("client"), pk=pk
    )
    form = forms.TrialResultsForm(
        request.POST or None,
        initial={
            "on_time_count": shipment.on_time_count,
            "damaged_count": shipment.damaged_count,
            "feedback": shipment.feedback,
        },
    )
    return _step_form(
        request,
        shipment.client,
        form,
        _("Trial results: %(count)s parcels sent on %(date)s")
        % {"count": shipment.parcel_count, "date": shipment.sent_on},
        lambda: steps.trial_shipment_results(shipment=shipment, by=request.user, **form.cleaned_data),
    )


@role_required(*LOOP_ROLES)
def contract_new(request, pk):
    client = _client(request, pk)
    today = client.station.local_date()
    form = forms.ContractForm(
        request.POST or None,
        request.FILES or None,
        initial={"signed_on": today, "starts_on": today, "ends_on": today.replace(year=today.year + 1)},
    )

    def write():
        d = form.cleaned_data
        steps.contract_create(
            client=client, by=request.user, **{**d, "attachment": d.get("attachment") or None}
        )

    return _step_form(request, client, form, _("Contract"), write, multipart=True)


@login_required
def contract_attachment(request, pk):
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    if not contract.attachment:
        raise Http404
    return stored_file_response(contract.attachment, download_name=contract.attachment_name)


@role_required(*LOOP_ROLES)
def evaluation_new(request, pk):
    client = _client(request, pk)
    form = forms.EvaluationForm(
        request.POST or None, initial={"month": client.station.local_date().replace(day=1)}
    )
    return _step_form(
        request,
        client,
        form,
        _("Evaluation: actual against committed volume"),
        lambda: steps.evaluation_record(client=client, by=request.user, **form.cleaned_data),
    )


@role_required(*LOOP_ROLES)
def opportunity_new(request, pk):
    client = _client(request, pk)
    form = forms.OpportunityForm(request.POST or None, initial={"reopen": client.stage == Stage.ARCHIVE})
    if client.stage != Stage.ARCHIVE:
        del form.fields["reopen"]

    def write():
        d = form.cleaned_data
        steps.opportunity_create(client=client, by=request.user, reopen=d.pop("reopen", False), **d)

    return _step_form(
        request,
        client,
        form,
        _("Secondary development"),
        write,
        intro=_("More products, more routes or more branches of a customer we already serve."),
    )


# --- Key account -----------------------------------------------------------------------------------------------


@role_required(*LOOP_ROLES)
def owner_transfer(request, pk):
    client = _client(request, pk)
    form = forms.OwnerTransferForm(request.POST or None, user=request.user)
    return _step_form(
        request,
        client,
        form,
        _("Hand the client to another owner"),
        lambda: steps.owner_transfer(client=client, by=request.user, **form.cleaned_data),
    )


@require_POST
@role_required(*LOOP_ROLES)
def tier_set(request, pk):
    client = _client(request, pk)
    if "clear" in request.POST:
        steps.tier_clear(client=client, by=request.user)
        messages.success(request, _("Saved."))
        return redirect("pipeline:client_detail", client.pk)
    form = forms.TierForm(request.POST)
    if form.is_valid():
        try:
            steps.tier_set(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose tier A, B or C."))
    return redirect("pipeline:client_detail", client.pk)


@role_required(*LOOP_ROLES)
def relationship_set(request, pk):
    client = _client(request, pk)
    form = forms.RelationshipForm(request.POST or None, initial={"to": client.relationship_stage})
    return _step_form(
        request,
        client,
        form,
        _("Relationship stage"),
        lambda: steps.relationship_set(client=client, by=request.user, **form.cleaned_data),
    )


@role_required(*LOOP_ROLES)
def regression_new(request, pk):
    client = _client(request, pk)
    form = forms.RegressionForm(request.POST or None, initial={"occurred_on": client.station.local_date()})
    return _step_form(
        request,
        client,
        form,
        _("Regression or interruption"),
        lambda: steps.regression_record(client=client, by=request.user, **form.cleaned_data),
        intro=_(
            "Controllable: a competitor's price or service, our service falling short, a complaint not handled."
        ),
    )


# --- Kanban and funnel --------------------------------------------------------------------------------------------


def _filtered_clients(request):
    """The caller's clients, filtered by area and owner from the query string; also returns the filter form, and
    whether they are every active client of the network (headquarters unfiltered: the pages may read the
    network's running totals)."""
    form = forms.LoopFilterForm(request.GET, user=request.user)
    clients = form.filter(Client.objects.visible_to(request.user).active(), request.user)
    return clients, {"filters": form}, request.user.is_hq and not form.narrowed


@role_required(*LOOP_ROLES)
def kanban(request):
    clients, filters, network = _filtered_clients(request)
    # Each column's count and its clients' expected monthly revenue, in one query (for headquarters unfiltered,
    # from the network's tally).
    totals = {}
    for stage, _furthest, _reason, n, revenue in loop_counts(clients, network=network):
        count, total = totals.get(stage, (0, 0))
        totals[stage] = (count + n, total + (revenue or 0))
    counts = {stage: n for stage, (n, _revenue) in totals.items()}
    # One query for every column: a UNION ALL of a part per column, each the column's oldest cards (the ones
    # stuck), found by a subquery that reads the first 25 entries of an index in order (`client_stage_queue` for
    # headquarters; SQLite has no LIMIT in the parts of a UNION, only in subqueries). A dropped card also says
    # which step it left (re-opening takes it back there), from its history: 50 look-ups.
    last_drop = (
        StageChange.objects.filter(client=OuterRef("pk"), to_stage=Stage.DROPPED)
        .order_by("-at", "-pk")
        .values("from_stage")[:1]
    )
    parts = [
        Client.objects.filter(
            pk__in=clients.filter(stage=stage)
            .order_by("stage_entered_at", "pk")
            .values("pk")[:KANBAN_CARDS_PER_COLUMN]
        )
        .annotate(
            left_from=Subquery(last_drop) if stage == Stage.DROPPED else Value("", output_field=CharField())
        )
        .values_list(*CARD_FIELDS)
        .order_by()
        for stage in [*LOOP, Stage.DROPPED]
        if counts.get(stage)
    ]
    cards = [Card(*row) for row in parts[0].union(*parts[1:], all=True).order_by()] if parts else []
    columns = {stage: [] for stage in [*LOOP, Stage.DROPPED]}
    now = timezone.now()
    # Every card's link, from one reverse() (the client's id is the path's only number).
    detail = reverse("pipeline:client_detail", args=[0])
    for card in sorted(cards, key=lambda c: (c.stage_entered_at, c.pk)):
        card.days = (now - card.stage_entered_at).days
        card.url = detail.replace("/0/", f"/{card.pk}/", 1)
        columns[card.stage].append(card)
    board = [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "cards": cards_,
            "count": counts.get(stage, 0),
            "revenue": totals.get(stage, (0, 0))[1],
            "more": counts.get(stage, 0) - len(cards_),
            "index": LOOP.index(stage) if stage in LOOP else -1,
        }
        for stage, cards_ in columns.items()
    ]
    return render(
        request,
        "pipeline/kanban.html",
        {
            "board": board,
            "stages": [(s, Stage(s).label) for s in [*LOOP, Stage.DROPPED]],
            "loop": list(LOOP),
            "drop_reasons": DropReason.choices,
            "total": sum(counts.values()),
            **filters,
        },
    )


def _day_start(day: date, *, days_after: int = 0) -> datetime | None:
    """The first moment of `day` (or of a day after it) in the current time zone; None past the calendar's ends,
    where the period has no bound."""
    try:
        first = datetime.combine(day + timedelta(days=days_after), time.min)
        return timezone.make_aware(first).astimezone(UTC)
    except OverflowError:
        return None


@role_required(*LOOP_ROLES)
def funnel_page(request):
    clients, filters, network = _filtered_clients(request)
    # Without dates the funnel counts every client, whenever collected, as the dashboard's funnel does: the two
    # pages show the same numbers until somebody asks for a period.
    start = parse_date(request.GET.get("start") or "")
    end = parse_date(request.GET.get("end") or "")
    error = ""
    if start and end and start > end:
        error = _("The period ends before it starts; showing every client.")
        start = end = None
    # The days as a range of moments (what `created_at__date` means, in the current time zone), which an index of
    # created_at serves.
    if start and _day_start(start):
        clients = clients.filter(created_at__gte=_day_start(start))
    if end and _day_start(end, days_after=1):
        clients = clients.filter(created_at__lt=_day_start(end, days_after=1))
    # Headquarters unfiltered see every active client of the network: the funnel may read the network's totals.
    result = funnel(clients, network=network and not start and not end)
    widest = max([s.reached for s in result.steps] + [1])
    for step in result.steps:
        step.width = round(100 * step.reached / widest) if widest else 0
    return render(
        request,
        "pipeline/funnel.html",
        {"funnel": result, "start": start, "end": end, "error": error, **filters},
    )

"""The pipeline's entries on a client's timeline: its leads, its moves through the loop, and every step record.
One query per kind of record, whatever the client's history; the kinds the client page also lists in sections
are read once for both (selectors/timeline.section_records)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from config.hooks import timeline_sources

from .models import (
    Lead,
    NeedsAnalysis,
    OwnerTransfer,
    Regression,
    RelationshipChange,
    StageChange,
    Survey,
)
from .models.loop import Stage
from .selectors.timeline import TimelineEntry, section_records


def _who(user) -> str:
    return str(user) if user else ""


def _leads(client):
    for lead in Lead.objects.filter(client=client).select_related("collected_by"):
        yield TimelineEntry(
            at=lead.collected_at,
            kind="lead",
            title=_("Lead collected: %(name)s") % {"name": lead.company_name},
            detail=lead.get_source_display(),
            by=_who(lead.collected_by),
        )


def _moves(client):
    for change in StageChange.objects.filter(client=client).select_related("by"):
        if change.from_stage:
            title = _("Moved from «%(from)s» to «%(to)s»") % {
                "from": change.get_from_stage_display(),
                "to": change.get_to_stage_display(),
            }
        else:
            title = _("Entered «%(to)s»") % {"to": change.get_to_stage_display()}
        detail = change.reason
        if change.to_stage == Stage.DROPPED and change.drop_reason:
            detail = f"{change.get_drop_reason_display()}: {change.reason}"
        yield TimelineEntry(at=change.at, kind="stage", title=title, detail=detail, by=_who(change.by))


def _records(client):
    records = section_records(client)
    for survey in Survey.objects.filter(client=client).select_related("by"):
        yield TimelineEntry(
            at=survey.created_at,
            kind="survey",
            title=_("Survey recorded"),
            detail=survey.decision_structure,
            by=_who(survey.by),
        )
    for needs in NeedsAnalysis.objects.filter(client=client).select_related("by"):
        points = [
            str(needs._meta.get_field(f).verbose_name) for f in NeedsAnalysis.NEED_FIELDS if getattr(needs, f)
        ]
        yield TimelineEntry(
            at=needs.created_at,
            kind="needs",
            title=_("Needs analysis"),
            detail=", ".join(points),
            by=_who(needs.by),
        )
    for proposal in records["proposals"]:
        yield TimelineEntry(
            at=proposal.created_at,
            kind="proposal",
            title=_("Proposal v%(version)s: %(title)s")
            % {"version": proposal.version, "title": proposal.title},
            detail=proposal.get_status_display(),
            url=reverse("pipeline:proposal_detail", args=[proposal.pk]),
            by=_who(proposal.by),
        )
    for shipment in records["trial_shipments"]:
        if shipment.has_results:
            detail = _("%(on_time)s of %(count)s on time, %(damaged)s damaged") % {
                "on_time": shipment.on_time_count,
                "count": shipment.parcel_count,
                "damaged": shipment.damaged_count,
            }
        else:
            detail = _("results pending")
        yield TimelineEntry(
            at=shipment.created_at,
            kind="shipment",
            title=_("Trial shipment of %(count)s parcels") % {"count": shipment.parcel_count},
            detail=detail,
            by=_who(shipment.by),
        )
    for contract in records["contracts"]:
        yield TimelineEntry(
            at=contract.created_at,
            kind="contract",
            title=_("Contract signed on %(date)s") % {"date": contract.signed_on.isoformat()},
            detail=_("%(volume)s parcels a month, %(start)s to %(end)s")
            % {
                "volume": contract.committed_monthly_volume,
                "start": contract.starts_on.isoformat(),
                "end": contract.ends_on.isoformat(),
            },
            by=_who(contract.by),
        )
    for evaluation in records["evaluations"]:
        yield TimelineEntry(
            at=evaluation.created_at,
            kind="evaluation",
            title=_("Evaluation of %(month)s") % {"month": evaluation.month.strftime("%Y-%m")},
            detail=_("%(actual)s of %(committed)s committed parcels")
            % {"actual": evaluation.actual_volume, "committed": evaluation.committed_volume},
            by=_who(evaluation.by),
        )
    for opportunity in records["opportunities"]:
        yield TimelineEntry(
            at=opportunity.created_at,
            kind="opportunity",
            title=_("Secondary development: %(kind)s") % {"kind": opportunity.get_kind_display()},
            detail=opportunity.description,
            by=_who(opportunity.by),
        )


def _key_account(client):
    for transfer in OwnerTransfer.objects.filter(client=client).select_related(
        "by", "from_owner", "to_owner"
    ):
        yield TimelineEntry(
            at=transfer.created_at,
            kind="owner",
            title=_("Owner: %(from)s → %(to)s")
            % {"from": _who(transfer.from_owner) or "—", "to": transfer.to_owner},
            detail=transfer.reason,
            by=_who(transfer.by),
        )
    for change in RelationshipChange.objects.filter(client=client).select_related("by"):
        yield TimelineEntry(
            at=change.created_at,
            kind="relationship",
            title=_("Relationship: %(from)s → %(to)s")
            % {"from": change.get_from_stage_display() or "—", "to": change.get_to_stage_display()},
            detail=change.reason,
            by=_who(change.by),
        )
    for regression in Regression.objects.filter(client=client).select_related("by"):
        controllable = _("controllable") if regression.controllable else _("uncontrollable")
        yield TimelineEntry(
            at=regression.created_at,
            kind="regression",
            title=_("%(kind)s: %(cause)s (%(controllable)s)")
            % {
                "kind": regression.get_kind_display(),
                "cause": regression.get_cause_display(),
                "controllable": controllable,
            },
            detail=regression.reason,
            by=_who(regression.by),
        )


@timeline_sources.register(order=10)
def entries(client) -> list[TimelineEntry]:
    return [*_leads(client), *_moves(client), *_records(client), *_key_account(client)]

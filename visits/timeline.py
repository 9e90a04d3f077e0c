"""The visits' entries on a client's timeline: plans (with the superior's request) and records."""

from django.urls import reverse
from django.utils.translation import gettext as _

from config.hooks import timeline_sources
from pipeline.selectors.timeline import TimelineEntry

from .models import PlanStatus, VisitPlan, VisitRecord


@timeline_sources.register(order=20)
def entries(client) -> list[TimelineEntry]:
    items = []
    for plan in VisitPlan.objects.filter(client=client).select_related("assignee"):
        title = _("Visit planned for %(date)s: %(kind)s") % {
            "date": plan.planned_for.isoformat(),
            "kind": plan.get_kind_display(),
        }
        if plan.status != PlanStatus.PLANNED:
            title += f" ({plan.get_status_display()})"
        detail = plan.key_points
        if plan.superior_status:
            detail = (
                f"{plan.get_superior_status_display()} · {detail}"
                if detail
                else plan.get_superior_status_display()
            )
        items.append(
            TimelineEntry(
                at=plan.created_at,
                kind="visit_plan",
                title=title,
                detail=detail,
                url=reverse("visits:plan_detail", args=[plan.pk]),
                by=str(plan.assignee),
            )
        )
    for record in VisitRecord.objects.filter(client=client).select_related("by"):
        items.append(
            TimelineEntry(
                at=record.visited_at,
                kind="visit",
                title=_("%(kind)s: %(outcome)s")
                % {"kind": record.get_kind_display(), "outcome": record.get_outcome_display()},
                detail=_("Met %(who)s. Next: %(next)s")
                % {"who": record.met, "next": record.next_step or "—"},
                url=reverse("visits:record_detail", args=[record.pk]),
                by=str(record.by),
            )
        )
    return items

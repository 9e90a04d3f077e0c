"""Complaints and survey responses on the client's timeline."""

from django.urls import reverse
from django.utils.translation import gettext as _

from config.hooks import timeline_sources
from pipeline.selectors.timeline import TimelineEntry

from .models import Complaint, SurveyResponse


@timeline_sources.register(order=30)
def entries(client) -> list[TimelineEntry]:
    items = []
    for complaint in Complaint.objects.filter(client=client).select_related("created_by", "owner"):
        url = reverse("satisfaction:complaint_detail", args=[complaint.pk])
        items.append(
            TimelineEntry(
                at=complaint.received_at,
                kind="complaint",
                title=_("Complaint: %(category)s (%(severity)s), %(status)s")
                % {
                    "category": complaint.get_category_display(),
                    "severity": complaint.get_severity_display(),
                    "status": complaint.get_status_display(),
                },
                detail=complaint.description,
                url=url,
                by=str(complaint.created_by),
            )
        )
        if complaint.closed_at:
            items.append(
                TimelineEntry(
                    at=complaint.closed_at,
                    kind="complaint",
                    title=_("Complaint closed: the customer confirmed the resolution"),
                    detail=complaint.resolution,
                    url=url,
                    by=str(complaint.owner or ""),
                )
            )
    for response in SurveyResponse.objects.filter(client=client).select_related(
        "invitation", "questionnaire"
    ):
        title = _("Satisfaction survey answered by %(contact)s") % {
            "contact": response.invitation.contact_name
        }
        if response.is_pilot:
            title += " · " + _("pilot")
        items.append(
            TimelineEntry(
                at=response.submitted_at,
                kind="survey",
                title=title,
                detail=(
                    _("Average %(avg).1f of 5 (%(questionnaire)s)")
                    % {"avg": response.average, "questionnaire": response.questionnaire}
                    if response.average is not None
                    else str(response.questionnaire)
                ),
                url=reverse("satisfaction:response_detail", args=[response.pk]),
            )
        )
    return items

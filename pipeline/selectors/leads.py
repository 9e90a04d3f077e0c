"""Reads of leads shared by the pages and the API."""

from django.db.models import Q

from ..models import Lead
from ..models.leads import LeadStatus


def review_queue(user):
    """Submitted leads the user reviews, oldest first."""
    return (
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .select_related("collected_by", "area", "duplicate_of__station")
        .order_by("collected_at", "pk")
    )


def pending_twins(user, leads) -> dict[int, list[Lead]]:
    """For each of these leads, the other submitted leads in the user's queue with the same phone or the same
    company name (two collectors who met one customer), oldest first, in one query."""
    phones = {lead.phone_normalized for lead in leads if lead.phone_normalized}
    names = {lead.normalized_name for lead in leads if lead.normalized_name}
    if not (phones or names):
        return {}
    others = list(
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .filter(Q(phone_normalized__in=phones) | Q(normalized_name__in=names))
        .select_related("collected_by")
        .order_by("collected_at", "pk")
    )
    twins = {}
    for lead in leads:
        found = [
            other
            for other in others
            if other.pk != lead.pk
            and (
                (lead.phone_normalized and other.phone_normalized == lead.phone_normalized)
                or (lead.normalized_name and other.normalized_name == lead.normalized_name)
            )
        ]
        if found:
            twins[lead.pk] = found
    return twins

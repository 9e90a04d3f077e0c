"""Reads of leads shared by the pages and the API."""

from ..models import Lead
from ..models.leads import LeadStatus


def review_queue(user):
    """Submitted leads the user reviews, oldest first."""
    return (
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .select_related("collected_by", "area", "duplicate_of")
        .order_by("collected_at", "pk")
    )

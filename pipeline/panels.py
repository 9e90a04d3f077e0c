"""The home-page card of steps 1-2: a collector's returned leads to complete, a reviewer's queue."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import LEAD_COLLECTORS, REVIEWERS
from config.hooks import home_panels

from .models import Lead
from .models.leads import LeadStatus


@home_panels.register(order=40)
def home(request) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    returned = list(
        Lead.objects.filter(collected_by=user, status=LeadStatus.RETURNED)
        .only("pk", "company_name", "status_reason", "reviewed_at")
        .order_by("reviewed_at", "pk")[:10]
    )
    queue = oldest = None
    if user.role in REVIEWERS:
        pending = Lead.objects.visible_to(user).filter(status=LeadStatus.SUBMITTED)
        queue = pending.count()
        oldest = (
            pending.order_by("collected_at").values_list("collected_at", flat=True).first() if queue else None
        )
    today = None
    if user.role in LEAD_COLLECTORS and user.station_id:
        today = Lead.objects.filter(
            collected_by=user, collected_on=user.station.local_date(timezone.now())
        ).count()
    if not returned and queue is None and today is None:
        return None
    return render_to_string(
        "pipeline/panel_home.html",
        {"returned": returned, "queue": queue, "oldest": oldest, "today": today, "user": user},
        request=request,
    )

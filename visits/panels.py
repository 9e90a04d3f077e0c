"""The home-page card: the owner's due and overdue return visits, today's visits, and (for area managers)
requests for a superior to come along."""

from django.template.loader import render_to_string

from accounts.roles import LOOP_ROLES, MY_DAY_ROLES
from config.hooks import home_panels

from . import services
from .models import PlanStatus, VisitPlan


@home_panels.register(order=50)
def home(request) -> str | None:
    user = request.user
    if user.role not in LOOP_ROLES or user.role in MY_DAY_ROLES:
        # Their day (agenda's panel) lists today's visits and the return visits due as tasks.
        return None
    today = user.station.local_date() if user.station_id else None
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    due = list(services.due_return_visits(user, on=today))
    todays = list(
        VisitPlan.objects.filter(assignee=user, status=PlanStatus.PLANNED, planned_for=today)
        .exclude(pk__in=[p.pk for p in due])
        .select_related("client")
    )
    pending = list(services.pending_superior_requests(user).select_related("client", "assignee")[:10])
    if not (due or todays or pending):
        return None
    for plan in due:
        plan.overdue = plan.planned_for < today
    return render_to_string(
        "visits/panel_home.html",
        {"due": due, "todays": todays, "pending": pending, "today": today},
        request=request,
    )

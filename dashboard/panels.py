"""The dashboard's card on the home page: today's leads and who has met the quota so far, for the people who
answer for an area, a station or the network."""

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, User
from accounts.roles import DASHBOARD_ROLES, HQ_ROLES, QUOTA_ROLES
from config.hooks import home_panels
from quota.models import DailyTally


@home_panels.register(order=70)
def home(request) -> str | None:
    user = request.user
    if user.role not in DASHBOARD_ROLES:
        return None
    tallies = DailyTally.objects.all()
    people = User.objects.filter(role__in=QUOTA_ROLES, is_active=True)
    if user.role == Role.AREA_MANAGER:
        tallies, people = tallies.filter(area_id=user.area_id), people.filter(area_id=user.area_id)
        today = user.station.local_date() if user.station_id else None
    elif user.role in HQ_ROLES:
        today = None
    else:
        tallies, people = (
            tallies.filter(station_id=user.station_id),
            people.filter(station_id=user.station_id),
        )
        today = user.station.local_date()
    if today is None:
        today = timezone.localdate()
    figures = tallies.filter(day=today).aggregate(
        leads=Sum("leads"), collected=Count("pk", filter=Q(counted__gte=1))
    )
    context = {
        "today": today,
        "leads": figures["leads"] or 0,
        "collected": figures["collected"],
        "people": people.count(),
    }
    return render_to_string("dashboard/panel.html", context, request=request)

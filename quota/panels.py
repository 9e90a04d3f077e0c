"""The quota's card on the home page: today's count, the streak and the reminder banner for people on the quota;
the flags waiting for their step for area managers and station masters."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import QUOTA_ROLES
from config.hooks import home_panels

from .selectors import awaiting_count, awaiting_q, person_quota


@home_panels.register(order=30)
def home(request) -> str | None:
    user = request.user
    if user.role in QUOTA_ROLES and user.station_id:
        data = person_quota(user, now=timezone.now())
        return render_to_string("quota/panel.html", {"q": data}, request=request)
    if awaiting_q(user) is not None:
        n = awaiting_count(user)
        if n:
            return render_to_string("quota/panel.html", {"q": None, "awaiting": n}, request=request)
    return None

"""The home page's day: for key-account managers and area marketers the page they start from (overdue and
today's tasks, coming ones, today's visits, the clients waiting longest in each step); for everybody else the
tasks due or escalated to them, when there are any."""

from django.template.loader import render_to_string

from accounts.models import today_for
from accounts.roles import MY_DAY_ROLES
from config.hooks import home_panels

from . import selectors


@home_panels.register(order=10)
def home(request) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    day = selectors.day_of(user, today=today_for(user))
    is_my_day = user.role in MY_DAY_ROLES
    if not is_my_day and not (day["overdue"] or day["due_today"] or day["escalated"]):
        return None
    return render_to_string(
        "agenda/panel_home.html",
        {**day, "is_my_day": is_my_day, "here": request.get_full_path()},
        request=request,
    )

"""The menu, by role. An entry whose page does not exist (yet) is left out rather than linking nowhere."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

R = Role
EVERYONE = frozenset(Role)
FIELD = frozenset({R.COURIER, R.AREA_MARKETER})
AREA_UP = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.EXECUTIVE, R.ADMIN}
)
MANAGERS = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})

# (url name, label, roles)
MENU = [
    ("home", _("Home"), EVERYONE),
    ("agenda:list", _("Tasks"), EVERYONE),
    ("pipeline:lead_capture", _("New lead"), FIELD | {R.AREA_MANAGER, R.KEY_ACCOUNT_MANAGER}),
    ("pipeline:lead_list", _("Leads"), EVERYONE),
    (
        "pipeline:review_queue",
        _("Review queue"),
        frozenset({R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER}),
    ),
    ("pipeline:client_list", _("Clients"), AREA_UP),
    ("pipeline:screening_list", _("Screening"), AREA_UP),
    ("pipeline:competitor_list", _("Competitors"), AREA_UP),
    ("pipeline:kanban", _("Kanban"), AREA_UP),
    ("pipeline:funnel", _("Funnel"), AREA_UP),
    ("visits:calendar", _("Visits"), AREA_UP),
    ("quota:mine", _("My quota"), FIELD),
    ("quota:flags", _("Miss flags"), MANAGERS),
    ("dashboard:station", _("Dashboard"), MANAGERS),
    ("targets:scorecard", _("Targets"), MANAGERS | {R.KEY_ACCOUNT_MANAGER, R.AREA_MARKETER}),
    ("satisfaction:complaint_list", _("Complaints"), AREA_UP),
    (
        "satisfaction:questionnaire_list",
        _("Surveys"),
        frozenset({R.KEY_ACCOUNT_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN}),
    ),
    ("accounts:people", _("People"), frozenset({R.STATION_MASTER, R.ADMIN})),
    ("accounts:areas", _("Areas"), frozenset({R.STATION_MASTER, R.ADMIN})),
]


def menu_for(user, current_path: str = "") -> list[dict]:
    items = []
    for name, label, roles in MENU:
        if user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"name": name, "url": url, "label": label, "active": active})
    return items

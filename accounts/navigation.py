"""The menu, by role. An entry whose page does not exist (yet) is left out rather than linking nowhere."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import (
    COMPLAINT_ROLES,
    DASHBOARD_ROLES,
    EVERYONE,
    INTEGRATION_MANAGERS,
    LEAD_COLLECTORS,
    LOOP_ROLES,
    ORG_MANAGERS,
    QUOTA_MANAGERS,
    QUOTA_ROLES,
    REVIEWERS,
    SCORECARD_READERS,
    SURVEY_MANAGERS,
    R,
)

# (url name, label, roles): each entry shows to exactly the roles its page admits.
MENU = [
    ("home", _("Home"), EVERYONE),
    ("agenda:list", _("Tasks"), EVERYONE),
    ("pipeline:lead_capture", _("New lead"), LEAD_COLLECTORS),
    ("pipeline:lead_list", _("Leads"), EVERYONE),
    ("pipeline:review_queue", _("Review queue"), REVIEWERS),
    ("pipeline:client_list", _("Clients"), LOOP_ROLES),
    ("pipeline:screening_list", _("Screening"), LOOP_ROLES),
    ("pipeline:competitor_list", _("Competitors"), LOOP_ROLES),
    ("pipeline:kanban", _("Kanban"), LOOP_ROLES),
    ("pipeline:funnel", _("Funnel"), LOOP_ROLES),
    ("visits:calendar", _("Visits"), LOOP_ROLES),
    ("quota:mine", _("My quota"), QUOTA_ROLES),
    ("quota:flags", _("Miss flags"), QUOTA_MANAGERS),
    ("dashboard:station", _("Dashboard"), DASHBOARD_ROLES),
    ("targets:scorecard", _("Targets"), SCORECARD_READERS),
    ("satisfaction:complaint_list", _("Complaints"), COMPLAINT_ROLES),
    ("satisfaction:questionnaire_list", _("Surveys"), SURVEY_MANAGERS),
    ("accounts:people", _("People"), ORG_MANAGERS),
    ("accounts:areas", _("Areas"), ORG_MANAGERS),
    ("integrations:keys", _("Integration keys"), INTEGRATION_MANAGERS),
    ("integrations:webhooks", _("Webhooks"), INTEGRATION_MANAGERS),
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


# The phone's bottom tab bar: each role's most used pages (entries of MENU, so each keeps its roles), two on each
# side of the capture button for those who collect leads.
CAPTURE = "pipeline:lead_capture"
TABS = {
    R.COURIER: ["home", "pipeline:lead_list", "quota:mine", "agenda:list"],
    R.AREA_MARKETER: ["home", "pipeline:review_queue", "pipeline:lead_list", "agenda:list"],
    R.AREA_MANAGER: ["home", "dashboard:station", "quota:flags", "pipeline:lead_list"],
    R.STATION_MASTER: ["home", "dashboard:station", "pipeline:review_queue", "quota:flags"],
    R.KEY_ACCOUNT_MANAGER: ["home", "pipeline:client_list", "visits:calendar", "agenda:list"],
    R.EXECUTIVE: ["home", "dashboard:station", "pipeline:client_list", "satisfaction:complaint_list"],
    R.ADMIN: ["home", "dashboard:station", "pipeline:lead_list", "accounts:people"],
}
ICONS = {
    "home": "home",
    "pipeline:lead_list": "list",
    "pipeline:review_queue": "check",
    "pipeline:client_list": "people",
    "dashboard:station": "chart",
    "quota:mine": "target",
    "quota:flags": "flag",
    "visits:calendar": "calendar",
    "agenda:list": "tasks",
    "satisfaction:complaint_list": "alert",
    "accounts:people": "people",
}


def tabs_for(user, items: list[dict]) -> dict:
    """The tab bar from the user's menu `items`: {"left": [...], "capture": item or None, "right": [...]}."""
    by_name = {item["name"]: item for item in items}
    tabs = [
        {**by_name[name], "icon": ICONS.get(name, "")} for name in TABS.get(user.role, []) if name in by_name
    ]
    half = (len(tabs) + 1) // 2
    return {"left": tabs[:half], "capture": by_name.get(CAPTURE), "right": tabs[half:]}

"""The menu, by role. An entry whose page does not exist (yet) is left out rather than linking nowhere."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import (
    COMPLAINT_ROLES,
    DASHBOARD_ROLES,
    EVERYONE,
    LEAD_COLLECTORS,
    LOOP_ROLES,
    ORG_MANAGERS,
    QUOTA_MANAGERS,
    QUOTA_ROLES,
    REVIEWERS,
    SCORECARD_READERS,
    SURVEY_MANAGERS,
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

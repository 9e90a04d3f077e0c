"""The home page's targets: a person's own targets this month against what they achieved; for the people who
set and follow targets, how many of theirs are behind."""

from django.template.loader import render_to_string

from accounts.models import Role, today_for
from accounts.roles import TARGET_SETTERS
from config.hooks import home_panels

from . import scorecards
from .models import Level


@home_panels.register(order=20)
def home(request) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    today = today_for(user)
    month = today.replace(day=1)
    follows = user.role in TARGET_SETTERS or user.role == Role.AREA_MANAGER
    rows = scorecards.scorecard(user, month=month, today=today, level=Level.PERSON)
    mine = [r for r in rows if r["person"] == user.pk]
    others = scorecards.ranking([r for r in rows if r["person"] != user.pk]) if follows else []
    if not mine and not others:
        return None
    return render_to_string(
        "targets/panel.html",
        {
            "month": month,
            "mine": mine,
            "pace": scorecards.pace(month, today),
            "people": len(others),
            "behind": sum(1 for e in others if e["behind"]),
        },
        request=request,
    )

"""Limits on failed logins, through django-axes (settings: AXES_*; docs/security.md).

Axes counts failures per lockout parameter set and compares the largest count with one limit. We count two sets,
the account from one address and the address over all accounts, with a limit each: the address's count is scaled
onto the account limit before axes compares.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def cool_off_minutes() -> int:
    return round(settings.AXES_COOLOFF_TIME * 60)


def locked_out_message() -> str:
    return _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": cool_off_minutes()}


class LoginLimitHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        account, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # address >= AXES_ADDRESS_FAILURE_LIMIT exactly when the scaled count reaches AXES_FAILURE_LIMIT.
        scaled = address * settings.AXES_FAILURE_LIMIT // settings.AXES_ADDRESS_FAILURE_LIMIT
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful login clears that account's failures from this address, not the address's count: one
        # valid account must not reset the limit on trying others.
        account, _address = self.filter_user_attempts(request, credentials)
        deleted, _by_model = account.delete()
        return deleted


def locked_out(request, response=None, credentials=None):
    """What a locked-out login gets, page or API: 429 in the request's language, with Retry-After."""
    message = locked_out_message()
    if request.path.startswith("/api/"):
        locked = JsonResponse({"detail": message}, status=429)
    else:
        locked = render(request, "registration/locked_out.html", {"message": message}, status=429)
    locked["Retry-After"] = str(cool_off_minutes() * 60)
    return locked

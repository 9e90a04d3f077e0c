"""Which roles may act in satisfaction (who may see is `visible_to` on the models)."""

from accounts.models import HQ_ROLES, Role

from .models import SURVEY_ROLES

R = Role
# Design questionnaires, pilot them and run campaigns.
SURVEY_MANAGERS = SURVEY_ROLES
# Approve a piloted questionnaire: someone above the person who wrote it.
SURVEY_APPROVERS = frozenset({R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Record and handle complaints: everyone who deals with customers' accounts (couriers pass them on).
COMPLAINT_ROLES = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.EXECUTIVE, R.ADMIN}
)
# Post service-quality readings (integrations use an account of one of these roles).
INDICATOR_WRITERS = frozenset({R.KEY_ACCOUNT_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Change indicator definitions and thresholds.
INDICATOR_ADMINS = frozenset({R.ADMIN})
# See the satisfaction pages (results, client page, health, indicators).
SATISFACTION_VIEWERS = COMPLAINT_ROLES


def may_change_survey(user, record) -> bool:
    """Who changes a questionnaire or runs a campaign (pilot, new version, retire, send now, pause, resume):
    headquarters any; a station's survey roles only their own station's. A company-wide one reaches every
    station's customers, so to a station it is read-only."""
    if not (user.is_authenticated and user.role in SURVEY_MANAGERS):
        return False
    return user.role in HQ_ROLES or (record.station_id is not None and record.station_id == user.station_id)

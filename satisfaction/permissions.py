"""Which roles may act in satisfaction (who may see is `visible_to` on the models)."""

from accounts.roles import HQ_ROLES, SURVEY_MANAGERS


def may_change_survey(user, record) -> bool:
    """Who changes a questionnaire or runs a campaign (pilot, new version, retire, send now, pause, resume):
    headquarters any; a station's survey roles only their own station's. A company-wide one reaches every
    station's customers, so to a station it is read-only."""
    if not (user.is_authenticated and user.role in SURVEY_MANAGERS):
        return False
    return user.role in HQ_ROLES or (record.station_id is not None and record.station_id == user.station_id)

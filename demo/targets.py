"""Demo targets for `make run`: this month's targets for the station's people and areas, set by its master, and
the station's own, set by headquarters, so that the scorecards and the home page show someone ahead and someone
behind."""

from accounts.models import Role
from targets import services

# Per role, the metrics and their monthly targets (a station of a dozen people).
PERSON_TARGETS = {
    Role.COURIER: {"leads": 26, "accepted_leads": 12},
    Role.AREA_MARKETER: {"leads": 26, "accepted_leads": 15},
    Role.AREA_MANAGER: {"accepted_leads": 10},
    Role.KEY_ACCOUNT_MANAGER: {"contracts": 3, "committed_parcels": 9000, "revenue": 72000},
}


def seed(org, *, scale, today, rng) -> None:
    month = today.replace(day=1)
    master = next(p for p in org.people if p.role == Role.STATION_MASTER)
    hq = next(p for p in org.people if p.role == Role.EXECUTIVE)
    for person in org.people:
        for metric, value in PERSON_TARGETS.get(person.role, {}).items():
            services.target_set(by=master, person=person, month=month, metric=metric, value=value)
    for area in org.areas:
        services.target_set(by=master, area=area, month=month, metric="leads", value=80)
    for station in org.stations:
        services.target_set(by=hq, station=station, month=month, metric="contracts", value=4)
        services.target_set(by=hq, station=station, month=month, metric="committed_parcels", value=12000)

"""Demo history of the quota for `make run`: leave for one courier, every finished day evaluated (tallies,
flags), and the first flag investigated so the station master has something to assess."""

import datetime

from django.db.models import Min

from accounts.models import Role, User
from accounts.roles import QUOTA_ROLES
from quota.evaluation import evaluate_station_through, stations_with_settings
from quota.models import FlagStatus, Leave, QuotaFlag, QuotaSettings
from quota.services import flag_investigate


def seed(org, *, scale, today, rng) -> None:
    yesterday = today - datetime.timedelta(days=1)
    for station in stations_with_settings(org.stations):
        people = User.objects.filter(station=station, role__in=QUOTA_ROLES)
        joined = people.aggregate(first=Min("date_joined"))["first"] or today
        QuotaSettings.objects.filter(station=station).update(starts_on=joined)
        station._quota_settings_cache = None  # re-read with the new start
        courier = people.filter(role=Role.COURIER).order_by("-username").first()
        if courier is not None and yesterday >= joined:
            Leave.objects.create(person=courier, first_day=yesterday, last_day=yesterday, note="年假")
        if yesterday >= joined:
            evaluate_station_through(station=station, through=yesterday)
        flag = QuotaFlag.objects.filter(station=station, status=FlagStatus.OPEN).order_by("pk").first()
        manager = User.objects.filter(area=flag.area_id, role=Role.AREA_MANAGER).first() if flag else None
        if flag is not None and manager is not None:
            flag_investigate(
                flag=flag,
                by=manager,
                note="已电话联系本人：前几天在外培训，未能走访客户。已提醒其补采集线索。",
            )

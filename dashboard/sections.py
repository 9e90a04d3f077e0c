"""The parts of the station dashboard that come from the loop, the quota flags, visits and satisfaction."""

import datetime

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from config import numbers
from pipeline.models.loop import Contract
from quota.models import CLOSED_FLAG_STATUSES, FlagStatus, QuotaFlag
from satisfaction.models import Complaint, IndicatorWarning, SurveyResponse
from satisfaction.models.complaints import UNRESOLVED
from targets.models import Level
from targets.scorecards import summary
from visits.models import PlanStatus, VisitKind, VisitPlan
from volumes.selectors import revenue_by

from . import lookups  # also registers `__in_array`
from .periods import Period


def _ratio(part, whole):
    return numbers.ratio(part, whole)


def contracts(clients, period: Period) -> dict:
    """Contracts signed in the period, and those in force on the day with their committed monthly volume."""
    qs = Contract.objects.filter(client__in_array=clients)
    totals = qs.aggregate(
        signed=Count("pk", filter=Q(signed_on__range=(period.start, period.end))),
        signed_volume=Sum("committed_monthly_volume", filter=Q(signed_on__range=(period.start, period.end))),
        active=Count("pk", filter=Q(starts_on__lte=period.day, ends_on__gte=period.day)),
        active_volume=Sum(
            "committed_monthly_volume", filter=Q(starts_on__lte=period.day, ends_on__gte=period.day)
        ),
    )
    return {
        "signed": totals["signed"],
        "signed_monthly_volume": totals["signed_volume"] or 0,
        "active": totals["active"],
        "committed_monthly_volume": totals["active_volume"] or 0,
    }


def return_visits(clients, day: datetime.date, *, limit: int = 20) -> dict:
    """Return visits still planned: overdue (before `day`), and due in the coming week."""
    week_end = day + datetime.timedelta(days=6)
    plans = (
        VisitPlan.objects.filter(
            client__in_array=clients,
            kind=VisitKind.RETURN,
            status=PlanStatus.PLANNED,
            planned_for__lte=week_end,
        )
        .order_by("planned_for", "pk")
        .values(
            "id",
            "client_id",
            "client__name",
            "planned_for",
            "assignee_id",
            "assignee__display_name",
            "assignee__username",
        )
    )
    overdue, due_week = [], 0
    for p in plans:
        if p["planned_for"] >= day:
            due_week += 1
            continue
        overdue.append(
            {
                "id": p["id"],
                "client": p["client_id"],
                "client_name": p["client__name"],
                "planned_for": p["planned_for"],
                "days_overdue": (day - p["planned_for"]).days,
                "assignee": p["assignee_id"],
                "assignee_name": p["assignee__display_name"] or p["assignee__username"],
            }
        )
    return {"overdue": len(overdue), "due_week": due_week, "overdue_list": overdue[:limit]}


def satisfaction(clients, period: Period, now) -> dict:
    """Unresolved complaints (and how many are past their deadline), the period's average satisfaction
    (1-5, pilot answers left out) and the service-quality warnings still open."""
    complaints = Complaint.objects.filter(client__in_array=clients, status__in=UNRESOLVED).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    tz = now.tzinfo
    start = datetime.datetime.combine(period.start, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    responses = (
        SurveyResponse.objects.counting()
        .filter(
            client__in_array=clients, submitted_at__gte=start, submitted_at__lt=end, average__isnull=False
        )
        .aggregate(n=Count("pk"), average=Avg("average"))
    )
    warnings = IndicatorWarning.objects.open().filter(client__in_array=clients).count()
    average = responses["average"]
    return {
        "open_complaints": complaints["open"],
        "overdue_complaints": complaints["overdue"],
        "responses": responses["n"],
        "average": None if average is None else round(average, 2),
        "open_warnings": warnings,
    }


def _unresolved_flags():
    return QuotaFlag.objects.exclude(status__in=CLOSED_FLAG_STATUSES)


def open_flags(*, station, area) -> list[dict]:
    """Flags not resolved yet (open, investigated or assessed), longest run first."""
    qs = _unresolved_flags().filter(station=station)
    if area is not None:
        qs = qs.filter(area=area)
    return [
        {
            "id": f["id"],
            "person": f["person_id"],
            "name": f["person__display_name"] or f["person__username"],
            "username": f["person__username"],
            "area": f["area_id"],
            "status": f["status"],
            "first_missed_on": f["first_missed_on"],
            "last_missed_on": f["last_missed_on"],
            "days_missed": f["days_missed"],
        }
        for f in qs.order_by("-days_missed", "person__username").values(
            "id",
            "person_id",
            "person__display_name",
            "person__username",
            "area_id",
            "status",
            "first_missed_on",
            "last_missed_on",
            "days_missed",
        )
    ]


def open_flags_per_station(station_ids) -> dict[int, int]:
    return dict(
        _unresolved_flags()
        .filter(station_id__in=station_ids)
        .values_list("station_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def revenue(*, station, area, day: datetime.date) -> dict:
    """Revenue from the volume feed in the month of `day`, per area: one aggregate query."""
    month = day.replace(day=1)
    filters = {"client__station": station} if area is None else {"client__area": area}
    by_area = revenue_by("client__area", month=month, **filters)
    names = dict(station.areas.values_list("pk", "name")) if by_area else {}
    return {
        "month": month.strftime("%Y-%m"),
        "total": sum(by_area.values(), 0),
        "areas": [
            {"area": pk, "name": names.get(pk, ""), "revenue": amount}
            for pk, amount in sorted(by_area.items(), key=lambda item: -item[1])
        ],
    }


def station_sections(*, station, area, period: Period, clients) -> dict:
    # The records below hang off clients; given the clients' ids, each is an index lookup on `client_id`
    # rather than a join over the whole table (a few thousand ids for a busy station).
    client_ids = lookups.Ids(clients.order_by().values_list("pk", flat=True))
    flags = open_flags(station=station, area=area)
    by_status = dict.fromkeys([FlagStatus.OPEN, FlagStatus.INVESTIGATED, FlagStatus.ASSESSED], 0)
    for flag in flags:
        by_status[flag["status"]] += 1
    return {
        "contracts": contracts(client_ids, period),
        "return_visits": return_visits(client_ids, period.day),
        "satisfaction": satisfaction(client_ids, period, timezone.localtime(timezone.now(), station.tz)),
        "revenue": revenue(station=station, area=area, day=period.day),
        "open_flags": flags,
        "flags_by_status": {str(k): v for k, v in by_status.items()},
    }


def targets(user, *, day: datetime.date, today: datetime.date, station=None, area=None) -> dict:
    """The month's targets against actuals, ranked, as the viewer may see them: a station's (or an area's) people
    and areas, or every station for headquarters' network view. Read live: a target set shows at once."""
    levels = (Level.PERSON, Level.AREA) if station is not None else (Level.STATION,)
    return summary(
        user,
        month=day.replace(day=1),
        today=today,
        levels=levels,
        station_id=station.pk if station is not None else None,
        area_id=area.pk if area is not None else None,
    )

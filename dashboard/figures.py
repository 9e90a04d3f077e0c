"""The numbers behind the dashboards and notices, read from the daily tallies and the client records.

Nothing here scans leads: per person and day, `quota.DailyTally` already holds how many leads were collected
and, once the daily evaluation ran, whether it was a working day and whether the quota was met. For days not
evaluated yet (today, or before the job ran) the quota is judged live: a working day by the calendar, met
once one lead that counts has arrived.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Max, Q, Sum

from accounts.models import QUOTA_ROLES, Station, User
from pipeline.models import Client
from pipeline.models.loop import LOOP, Stage
from quota.models import DailyTally

from . import sections
from .calendar import is_working_day
from .periods import Period

# Beyond this, a streak shows as this many days: nobody needs the exact length of a three-month silence.
STREAK_LOOKBACK_DAYS = 92


def _ratio(part, whole):
    return None if not whole else round(part / whole, 4)


def _members(station_ids, area=None):
    qs = User.objects.filter(role__in=QUOTA_ROLES, is_active=True)
    qs = qs.filter(area=area) if area is not None else qs.filter(station_id__in=station_ids)
    return list(
        qs.order_by("area_id", "username").values(
            "id", "username", "display_name", "role", "area_id", "station_id", "date_joined"
        )
    )


def _tallies(station_ids, area=None):
    qs = DailyTally.objects.filter(station_id__in=station_ids)
    return qs.filter(area=area) if area is not None else qs


def _by_day(tallies, start, end) -> dict:
    """Per day of [start, end]: leads, counted, and the evaluation's due/met counts if it ran."""
    rows = (
        tallies.filter(day__range=(start, end))
        .values("day")
        .annotate(
            evaluated=Count("pk", filter=Q(evaluated_at__isnull=False)),
            leads_sum=Sum("leads"),
            counted_sum=Sum("counted"),
        )
    )
    return {r["day"]: r for r in rows}


def _live_days(period: Period, per_day: dict) -> list[datetime.date]:
    """Working days of the period (and the dashboard's day) that the evaluation has not judged yet."""
    days = set(period.days) | {period.day}
    return sorted(d for d in days if not (per_day.get(d) or {}).get("evaluated") and is_working_day(d))


def station_figures(*, station: Station, area=None, period: Period, full: bool = True) -> dict:
    """The dashboard of one station, or of one of its areas: per person, per area, trend, funnel and more."""
    members = _members([station.pk], area)
    tallies = _tallies([station.pk], area)
    per_day = _by_day(tallies, min(period.trend_start, period.day), max(period.end, period.day))
    live_days = _live_days(period, per_day)
    live_rows = defaultdict(int)  # (person, day) -> counted, for the days judged live
    if live_days:
        for person_id, day, counted in tallies.filter(day__in=live_days).values_list(
            "person_id", "day", "counted"
        ):
            live_rows[person_id, day] += counted

    # Per person and area over the period (a person who changed areas counts in each for their days there).
    grouped = (
        tallies.filter(day__range=(period.start, period.end))
        .values("person_id", "area_id")
        .annotate(
            due=Count("pk", filter=Q(working_day=True, evaluated_at__isnull=False)),
            met_count=Count("pk", filter=Q(met=True, evaluated_at__isnull=False)),
            leads_sum=Sum("leads"),
            counted_sum=Sum("counted"),
        )
    )
    today_rows = {
        r["person_id"]: r
        for r in tallies.filter(day=period.day).values(
            "person_id", "leads", "counted", "working_day", "met", "evaluated_at"
        )
    }

    people = {
        m["id"]: {
            "person": m["id"],
            "name": m["display_name"] or m["username"],
            "username": m["username"],
            "role": m["role"],
            "area": m["area_id"],
            "date_joined": m["date_joined"],
            "leads": 0,
            "counted": 0,
            "met_quota": None,
            "leads_period": 0,
            "counted_period": 0,
            "due_days": 0,
            "met_days": 0,
        }
        for m in members
    }
    areas = defaultdict(
        lambda: {"leads": 0, "leads_period": 0, "counted_period": 0, "due_days": 0, "met_days": 0}
    )
    for r in grouped:
        area_totals = areas[r["area_id"]]
        area_totals["leads_period"] += r["leads_sum"]
        area_totals["counted_period"] += r["counted_sum"]
        area_totals["due_days"] += r["due"]
        area_totals["met_days"] += r["met_count"]
        person = people.get(r["person_id"])
        if person is not None:
            person["leads_period"] += r["leads_sum"]
            person["counted_period"] += r["counted_sum"]
            person["due_days"] += r["due"]
            person["met_days"] += r["met_count"]

    in_period = set(period.days)
    for person in people.values():
        for day in live_days:
            if day not in in_period or person["date_joined"] > day:
                continue
            person["due_days"] += 1
            met = live_rows.get((person["person"], day), 0) >= 1
            person["met_days"] += met
            areas[person["area"]]["due_days"] += 1
            areas[person["area"]]["met_days"] += met

    for person_id, person in people.items():
        row = today_rows.get(person_id)
        if row:
            person["leads"], person["counted"] = row["leads"], row["counted"]
        if row and row["evaluated_at"] is not None:
            person["met_quota"] = row["met"] if row["working_day"] else None
        elif period.day in live_days and person["date_joined"] <= period.day:
            person["met_quota"] = person["counted"] >= 1
        person["compliance"] = _ratio(person["met_days"], person["due_days"])
    streaks = miss_streaks(tallies, people.values(), period.day, station.local_date())
    for person_id, person in people.items():
        person["miss_streak"] = streaks.get(person_id, 0)

    # Leads of the day by the area they were collected in (people who moved since still count there).
    by_area_day = tallies.filter(day=period.day).values("area_id").annotate(leads_sum=Sum("leads"))
    for r in by_area_day:
        areas[r["area_id"]]["leads"] = r["leads_sum"]

    area_objects = [area] if area is not None else list(station.areas.order_by("name"))
    headcount = defaultdict(int)
    for m in members:
        headcount[m["area_id"]] += 1
    area_rows = []
    for a in area_objects:
        totals = areas[a.pk]
        met_today = sum(1 for p in people.values() if p["area"] == a.pk and p["met_quota"])
        due_today = sum(1 for p in people.values() if p["area"] == a.pk and p["met_quota"] is not None)
        area_rows.append(
            {
                "area": a.pk,
                "name": a.name,
                "people": headcount[a.pk],
                "leads": totals["leads"],
                "leads_period": totals["leads_period"],
                "counted_period": totals["counted_period"],
                "met_today": met_today,
                "due_today": due_today,
                "due_days": totals["due_days"],
                "met_days": totals["met_days"],
                "compliance": _ratio(totals["met_days"], totals["due_days"]),
                "leads_per_person": _ratio(totals["leads_period"], headcount[a.pk]),
            }
        )

    trend = []
    for day in period.trend_days:
        r = per_day.get(day) or {}
        trend.append({"day": day, "leads": r.get("leads_sum") or 0, "counted": r.get("counted_sum") or 0})

    people_rows = sorted(people.values(), key=lambda p: (-p["leads"], -p["leads_period"], p["username"]))
    for p in people_rows:
        del p["date_joined"]
    due_today = sum(1 for p in people_rows if p["met_quota"] is not None)
    met_today = sum(1 for p in people_rows if p["met_quota"])
    due_days = sum(a["due_days"] for a in area_rows)
    met_days = sum(a["met_days"] for a in area_rows)
    figures = {
        "station": {"id": station.pk, "name": station.name, "code": station.code},
        "area": {"id": area.pk, "name": area.name} if area is not None else None,
        "date": period.day,
        "start": period.start,
        "end": period.end,
        "notes": list(period.notes),
        "totals": {
            "people": len(people_rows),
            "leads": (per_day.get(period.day) or {}).get("leads_sum") or 0,
            "leads_period": sum(r["leads_sum"] for d, r in per_day.items() if d in in_period),
            "met_today": met_today,
            "due_today": due_today,
            "behind_today": due_today - met_today,
            "compliance_today": _ratio(met_today, due_today),
            "compliance_period": _ratio(met_days, due_days),
        },
        "people": people_rows,
        "areas": area_rows,
        "trend": trend,
    }
    if not full:
        return figures
    clients = Client.objects.active().filter(station=station)
    if area is not None:
        clients = clients.filter(area=area)
    figures.update(funnel(clients))
    figures.update(sections.station_sections(station=station, area=area, period=period, clients=clients))
    flagged = {flag["person"]: flag["id"] for flag in figures["open_flags"]}
    for person in people_rows:
        person["open_flag"] = flagged.get(person["person"])
    figures["totals"]["open_flags"] = len(figures["open_flags"])
    return figures


def miss_streaks(tallies, people, day: datetime.date, today: datetime.date) -> dict[int, int]:
    """Working days in a row, up to `day`, without a lead that counts (today only once it is over)."""
    lookback = day - datetime.timedelta(days=STREAK_LOOKBACK_DAYS)
    last_met = dict(
        tallies.filter(day__range=(lookback, day), counted__gte=1)
        .values_list("person_id")
        .annotate(last=Max("day"))
        .order_by()
    )
    finished = day if day < today else day - datetime.timedelta(days=1)
    # Working days from `lookback` up to and including each day: a streak is a difference of two entries.
    cumulative, n = {}, 0
    for i in range((finished - lookback).days + 1):
        d = lookback + datetime.timedelta(days=i)
        n += is_working_day(d)
        cumulative[d] = n
    streaks = {}
    for person in people:
        since = max(
            last_met.get(person["person"], lookback), person["date_joined"] - datetime.timedelta(days=1)
        )
        streaks[person["person"]] = cumulative[finished] - cumulative[since] if since < finished else 0
    return streaks


def funnel(clients) -> dict:
    """Clients per stage now, and the conversion from each step to the next (share that got at least as far)."""
    counts = dict.fromkeys(Stage.values, 0)
    for stage, n in clients.values_list("stage").annotate(n=Count("pk")).order_by():
        counts[stage] = n
    return _funnel_from_counts(counts)


def _funnel_from_counts(counts: dict) -> dict:
    steps = []
    reached = [sum(counts[s] for s in LOOP[i:]) for i in range(len(LOOP))]
    for i, stage in enumerate(LOOP):
        steps.append(
            {
                "stage": stage.value,
                "label": str(stage.label),
                "count": counts[stage],
                "reached": reached[i],
                "conversion": _ratio(reached[i + 1], reached[i]) if i + 1 < len(LOOP) else None,
            }
        )
    return {"funnel": counts, "funnel_steps": steps}


def province_figures(*, stations, period: Period) -> dict:
    """All stations the caller sees, side by side, ranked by how well their people keep the quota."""
    stations = list(stations.order_by("code"))
    ids = [s.pk for s in stations]
    first, last = min(period.trend_start, period.day), max(period.end, period.day)
    grouped = (
        DailyTally.objects.filter(station_id__in=ids, day__range=(first, last))
        .values("station_id", "day")
        .annotate(
            collected=Count("pk", filter=Q(counted__gte=1)),
            evaluated=Count("pk", filter=Q(evaluated_at__isnull=False)),
            due=Count("pk", filter=Q(working_day=True, evaluated_at__isnull=False)),
            met_count=Count("pk", filter=Q(met=True, evaluated_at__isnull=False)),
            leads_sum=Sum("leads"),
            counted_sum=Sum("counted"),
        )
        .order_by()
    )
    joined = defaultdict(list)  # station -> [(date_joined, n)] of the people the quota applies to
    areas_per_station = dict(
        Station.objects.filter(pk__in=ids).values_list("pk").annotate(n=Count("areas")).order_by()
    )
    for station_id, date_joined, n in (
        User.objects.filter(station_id__in=ids, role__in=QUOTA_ROLES, is_active=True)
        .values_list("station_id", "date_joined")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        joined[station_id].append((date_joined, n))

    rows = {
        s.pk: {
            "station": s.pk,
            "name": s.name,
            "code": s.code,
            "people": sum(n for _, n in joined[s.pk]),
            "areas": areas_per_station.get(s.pk, 0),
            "leads": 0,
            "leads_period": 0,
            "met_today": 0,
            "due_today": 0,
            "due_days": 0,
            "met_days": 0,
            "open_flags": 0,
            "clients": 0,
        }
        for s in stations
    }
    trend = {d: {"day": d, "leads": 0, "counted": 0} for d in period.trend_days}
    seen = set()
    in_period = set(period.days)
    for r in grouped:
        row, day = rows[r["station_id"]], r["day"]
        seen.add((r["station_id"], day))
        if day in trend:
            trend[day]["leads"] += r["leads_sum"]
            trend[day]["counted"] += r["counted_sum"]
        if r["evaluated"]:
            due, met = r["due"], r["met_count"]
        elif is_working_day(day):
            due = sum(n for date_joined, n in joined[r["station_id"]] if date_joined <= day)
            met = r["collected"]
        else:
            due = met = 0
        if day == period.day:
            row["leads"] = r["leads_sum"]
            row["due_today"], row["met_today"] = due, met
        if day in in_period:
            row["leads_period"] += r["leads_sum"]
            row["due_days"] += due
            row["met_days"] += met
    # Working days on which a station has no tally at all: everybody due missed it (or it is not judged yet).
    for day in sorted(in_period | {period.day}):
        if not is_working_day(day):
            continue
        for station_id, row in rows.items():
            if (station_id, day) in seen:
                continue
            due = sum(n for date_joined, n in joined[station_id] if date_joined <= day)
            if day == period.day:
                row["due_today"] = due
            if day in in_period:
                row["due_days"] += due

    funnel_counts = dict.fromkeys(Stage.values, 0)
    for station_id, stage, n in (
        Client.objects.active()
        .filter(station_id__in=ids)
        .values_list("station_id", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[station_id]["clients"] += n
        funnel_counts[stage] += n
    for station_id, n in sections.open_flags_per_station(ids).items():
        rows[station_id]["open_flags"] = n

    for row in rows.values():
        row["compliance_today"] = _ratio(row["met_today"], row["due_today"])
        row["compliance"] = _ratio(row["met_days"], row["due_days"])
        row["leads_per_person"] = _ratio(row["leads_period"], row["people"])
    ranked = sorted(
        rows.values(),
        key=lambda r: (-(r["compliance"] or 0), -(r["leads_per_person"] or 0), r["code"]),
    )
    for i, row in enumerate(ranked, start=1):
        row["rank"] = i
    totals = {
        "stations": len(ranked),
        "people": sum(r["people"] for r in ranked),
        "leads": sum(r["leads"] for r in ranked),
        "leads_period": sum(r["leads_period"] for r in ranked),
        "met_today": sum(r["met_today"] for r in ranked),
        "due_today": sum(r["due_today"] for r in ranked),
        "open_flags": sum(r["open_flags"] for r in ranked),
        "clients": sum(r["clients"] for r in ranked),
    }
    totals["compliance_today"] = _ratio(totals["met_today"], totals["due_today"])
    totals["compliance"] = _ratio(sum(r["met_days"] for r in ranked), sum(r["due_days"] for r in ranked))
    return {
        "date": period.day,
        "start": period.start,
        "end": period.end,
        "notes": list(period.notes),
        "totals": totals,
        "stations": ranked,
        "trend": list(trend.values()),
        **_funnel_from_counts(funnel_counts),
    }


def notice_figures(*, station: Station, area=None, period: Period) -> dict:
    """The notice (通报): areas ranked by leads per person, people by leads that count, for the period."""
    figures = station_figures(station=station, area=area, period=period, full=False)
    area_names = {a["area"]: a["name"] for a in figures["areas"]}
    areas = sorted(
        figures["areas"],
        key=lambda a: (-(a["leads_per_person"] or 0), -(a["compliance"] or 0), a["name"]),
    )
    area_rows = [
        {
            "rank": i,
            "id": a["area"],
            "name": a["name"],
            "people": a["people"],
            "leads": a["leads_period"],
            "counted": a["counted_period"],
            "due_days": a["due_days"],
            "met_days": a["met_days"],
            "missed_days": a["due_days"] - a["met_days"],
            "compliance": a["compliance"],
            "leads_per_person": a["leads_per_person"],
        }
        for i, a in enumerate(areas, start=1)
    ]
    people = sorted(
        figures["people"],
        key=lambda p: (
            -p["counted_period"],
            -(p["compliance"] or 0),
            p["due_days"] - p["met_days"],
            p["username"],
        ),
    )
    people_rows = [
        {
            "rank": i,
            "id": p["person"],
            "name": p["name"],
            "area": area_names.get(p["area"], ""),
            "leads": p["leads_period"],
            "counted": p["counted_period"],
            "due_days": p["due_days"],
            "met_days": p["met_days"],
            "missed_days": p["due_days"] - p["met_days"],
            "compliance": p["compliance"],
        }
        for i, p in enumerate(people, start=1)
    ]
    return {
        "station": figures["station"],
        "area": figures["area"],
        "period": period.kind,
        "start": period.start,
        "end": period.end,
        "notes": figures["notes"],
        "areas": area_rows,
        "people": people_rows,
    }

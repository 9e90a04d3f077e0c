"""The numbers behind the dashboards and notices, read from the quota app's daily tables and the client records.

Nothing here scans leads. Per person and day `quota.DailyTally` holds how many leads were collected (kept current
as leads arrive); per station and day `quota.StationDay` says whether the daily evaluation has judged the day,
and once it has, the tallies carry the verdicts (`working_day`, `met`, `miss_streak`). Days the evaluation has not
judged yet (today, or before the job ran) are judged live the same way the evaluation will: the station's work
calendar, the people on duty (joined, active, not on leave) and the station's leads-per-day quota.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import translation

from accounts.models import Station, User
from accounts.roles import QUOTA_ROLES
from config import numbers
from pipeline.models import Client
from pipeline.models.loop import LOOP, Stage
from quota.calendar import entry_for, settings_for
from quota.models import CalendarDay, DailyTally, Leave, QuotaSettings, StationDay
from volumes.selectors import revenue_by

from . import rollup, sections, versions
from .models import StationDayTotal, StationStageTotal
from .periods import Period


def _ratio(part, whole):
    return numbers.ratio(part, whole)


class LiveJudge:
    """Judges, for days the evaluation has not judged yet, who was due and who met the quota, per station."""

    def __init__(self, stations, first: datetime.date, last: datetime.date, people=None):
        self.first, self.last = first, last
        ids = [s.pk for s in stations]
        known = {q.station_id: q for q in QuotaSettings.objects.filter(station_id__in=ids)}
        self.settings = {}
        for s in stations:
            if len(stations) == 1 and s.pk not in known:
                known[s.pk] = settings_for(s)
            self.settings[s.pk] = known.get(s.pk) or QuotaSettings(
                station=s, starts_on=s.local_date(s.created_at)
            )
        overrides = {
            (o.station_id, o.day): o
            for o in CalendarDay.objects.filter(station_id__in=ids, day__range=(first, last))
        }
        self.evaluated = {
            (station_id, day): working
            for station_id, day, working in StationDay.objects.filter(
                station_id__in=ids, day__range=(first, last), evaluated_at__isnull=False
            ).values_list("station_id", "day", "working_day")
        }
        days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
        # Stations sharing a rule share a calendar: work it out once per rule, then apply each station's own
        # exceptions.
        by_rule = {}
        self.working = {}
        for s in stations:
            settings = self.settings[s.pk]
            key = (settings.working_weekdays, settings.statutory_holidays)
            if key not in by_rule:
                by_rule[key] = {day: entry_for(day, settings, None).working for day in days}
            for day in days:
                override = overrides.get((s.pk, day))
                self.working[s.pk, day] = override.working if override is not None else by_rule[key][day]
        leave_qs = Leave.objects.filter(first_day__lte=last, last_day__gte=first)
        if people is not None:
            leave_qs = leave_qs.filter(person_id__in=people)
        else:
            leave_qs = leave_qs.filter(person__station_id__in=ids)
        self.leave = defaultdict(list)  # person -> [(first day, last day)]
        self.leave_by_station = defaultdict(list)  # station -> [(person, first day, last day)]
        for person_id, station_id, first_day, last_day in leave_qs.values_list(
            "person_id", "person__station_id", "first_day", "last_day"
        ):
            self.leave[person_id].append((first_day, last_day))
            self.leave_by_station[station_id].append((person_id, first_day, last_day))

    def is_evaluated(self, station_id, day) -> bool:
        return (station_id, day) in self.evaluated

    def is_live_working_day(self, station_id, day) -> bool:
        """Not judged yet, and a working day under the rule at the station."""
        if (station_id, day) in self.evaluated:
            return False
        return self.working.get((station_id, day), False) and day >= self.settings[station_id].starts_on

    def quota(self, station_id) -> int:
        return self.settings[station_id].quota_per_day

    def on_leave(self, person_id, day) -> bool:
        return any(a <= day <= b for a, b in self.leave.get(person_id, ()))

    def is_due(self, person: dict, day) -> bool:
        return person["date_joined"] <= day and not self.on_leave(person["id"], day)


def _members(station_ids, area=None):
    qs = User.objects.filter(role__in=QUOTA_ROLES, is_active=True)
    qs = qs.filter(area=area) if area is not None else qs.filter(station_id__in=station_ids)
    return list(
        qs.order_by("area_id", "username").values(
            "id", "username", "display_name", "role", "area_id", "station_id", "date_joined"
        )
    )


def station_figures(*, station: Station, area=None, period: Period, full: bool = True) -> dict:
    """The dashboard of one station, or of one of its areas: per person, per area, trend, funnel and more."""
    members = _members([station.pk], area)
    tallies = DailyTally.objects.filter(station=station)
    if area is not None:
        tallies = tallies.filter(area=area)
    first, last = min(period.trend_start, period.day), max(period.end, period.day)
    judge = LiveJudge([station], first, last, people=[m["id"] for m in members])
    quota = judge.quota(station.pk)

    per_day = {
        r["day"]: r
        for r in tallies.filter(day__range=(first, last))
        .values("day")
        .annotate(leads_sum=Sum("leads"), counted_sum=Sum("counted"))
    }
    in_period = set(period.days)
    all_live = [
        first + datetime.timedelta(days=i)
        for i in range((last - first).days + 1)
        if judge.is_live_working_day(station.pk, first + datetime.timedelta(days=i))
    ]
    live_days = [d for d in all_live if d in in_period or d == period.day]

    # The tallies of single days, in one query: the day shown, the days judged live, and the last judged working
    # day (its miss streaks). In an area, the streaks are those of its people wherever they collected that day.
    last_judged = _last_judged(station, period.day, judge)
    single_days = {period.day, *all_live, *([last_judged] if last_judged else [])}
    rows = DailyTally.objects.filter(station=station, day__in=sorted(single_days))
    if area is not None:
        rows = rows.filter(Q(area=area) | Q(person_id__in=[m["id"] for m in members]))
    live_counted = defaultdict(int)  # (person, day) -> counted, on the days judged live
    day_rows, streaks, live_set = {}, {}, set(all_live)
    for row in rows.values(
        "person_id", "area_id", "day", "leads", "counted", "working_day", "met", "evaluated_at", "miss_streak"
    ):
        in_scope = area is None or row["area_id"] == area.pk
        if row["day"] == last_judged:
            streaks[row["person_id"]] = row["miss_streak"]
        if in_scope and row["day"] == period.day:
            day_rows[row["person_id"]] = row
        if in_scope and row["day"] in live_set:
            live_counted[row["person_id"], row["day"]] += row["counted"]

    # Per person and area over the period (a person who changed areas counts in each for their days there).
    # Counting `day` rather than rows keeps the query on the covering index (dashboard/0004).
    grouped = (
        tallies.filter(day__range=(period.start, period.end))
        .values("person_id", "area_id")
        .annotate(
            # Judged days only: the days judged live are added below, never both.
            due=Count("day", filter=Q(working_day=True, evaluated_at__isnull=False) & ~Q(day__in=all_live)),
            met_count=Count("day", filter=Q(met=True, evaluated_at__isnull=False) & ~Q(day__in=all_live)),
            leads_sum=Sum("leads"),
            counted_sum=Sum("counted"),
        )
    )

    people = {
        m["id"]: {
            "person": m["id"],
            "name": m["display_name"] or m["username"],
            "username": m["username"],
            "role": m["role"],
            "area": m["area_id"],
            "leads": 0,
            "counted": 0,
            "met_quota": None,
            "leads_period": 0,
            "counted_period": 0,
            "due_days": 0,
            "met_days": 0,
            "miss_streak": 0,
            "open_flag": None,
        }
        for m in members
    }
    empty_area = {"leads": 0, "leads_period": 0, "counted_period": 0, "due_days": 0, "met_days": 0}
    areas = defaultdict(lambda: dict(empty_area))
    for r in grouped:
        totals = areas[r["area_id"]]
        totals["leads_period"] += r["leads_sum"]
        totals["counted_period"] += r["counted_sum"]
        totals["due_days"] += r["due"]
        totals["met_days"] += r["met_count"]
        person = people.get(r["person_id"])
        if person is not None:
            person["leads_period"] += r["leads_sum"]
            person["counted_period"] += r["counted_sum"]
            person["due_days"] += r["due"]
            person["met_days"] += r["met_count"]
    for m in members:
        person = people[m["id"]]
        for day in live_days:
            if day in in_period and judge.is_due(m, day):
                met = live_counted.get((m["id"], day), 0) >= quota
                person["due_days"] += 1
                person["met_days"] += met
                areas[m["area_id"]]["due_days"] += 1
                areas[m["area_id"]]["met_days"] += met
        row = day_rows.get(m["id"])
        if row:
            person["leads"], person["counted"] = row["leads"], row["counted"]
        if judge.is_evaluated(station.pk, period.day):
            person["met_quota"] = row["met"] if row and row["working_day"] else None
        elif period.day in live_days and judge.is_due(m, period.day):
            person["met_quota"] = person["counted"] >= quota
    for person in people.values():
        person["compliance"] = _ratio(person["met_days"], person["due_days"])
    for r in day_rows.values():
        areas[r["area_id"]]["leads"] += r["leads"]
    for person_id, streak in miss_streaks(
        station, members, period.day, judge, live_counted, last_judged=last_judged, streaks=streaks
    ).items():
        people[person_id]["miss_streak"] = streak

    headcount = defaultdict(int)
    for m in members:
        headcount[m["area_id"]] += 1
    people_rows = sorted(people.values(), key=lambda p: (-p["leads"], -p["leads_period"], p["username"]))
    area_rows = []
    for a in [area] if area is not None else station.areas.order_by("name"):
        totals = areas[a.pk]
        in_area = [p for p in people_rows if p["area"] == a.pk]
        area_rows.append(
            {
                "area": a.pk,
                "name": a.name,
                "people": headcount[a.pk],
                "leads": totals["leads"],
                "leads_period": totals["leads_period"],
                "counted_period": totals["counted_period"],
                "met_today": sum(1 for p in in_area if p["met_quota"]),
                "due_today": sum(1 for p in in_area if p["met_quota"] is not None),
                "due_days": totals["due_days"],
                "met_days": totals["met_days"],
                "compliance": _ratio(totals["met_days"], totals["due_days"]),
                "leads_per_person": _ratio(totals["leads_period"], headcount[a.pk]),
            }
        )
    due_today = sum(1 for p in people_rows if p["met_quota"] is not None)
    met_today = sum(1 for p in people_rows if p["met_quota"])
    figures = {
        "station": {"id": station.pk, "name": station.name, "code": station.code},
        "area": {"id": area.pk, "name": area.name} if area is not None else None,
        "date": period.day,
        "start": period.start,
        "end": period.end,
        "notes": list(period.notes),
        "quota_per_day": quota,
        "totals": {
            "people": len(people_rows),
            "leads": (per_day.get(period.day) or {}).get("leads_sum") or 0,
            "leads_period": sum(r["leads_sum"] for d, r in per_day.items() if d in in_period),
            "met_today": met_today,
            "due_today": due_today,
            "behind_today": due_today - met_today,
            "compliance_today": _ratio(met_today, due_today),
            "compliance_period": _ratio(
                sum(a["met_days"] for a in area_rows), sum(a["due_days"] for a in area_rows)
            ),
            "open_flags": 0,
        },
        "people": people_rows,
        "areas": area_rows,
        "trend": [
            {
                "day": day,
                "leads": (per_day.get(day) or {}).get("leads_sum") or 0,
                "counted": (per_day.get(day) or {}).get("counted_sum") or 0,
            }
            for day in period.trend_days
        ],
    }
    if not full:
        return figures
    clients = Client.objects.active().filter(station=station)
    if area is not None:
        clients = clients.filter(area=area)
    counts, share = funnel_and_share(clients)
    figures.update(_funnel_from_counts(counts))
    figures.update(sections.station_sections(station=station, area=area, period=period, clients=clients))
    figures["share"] = share
    for flag in figures["open_flags"]:
        if flag["person"] in people:
            people[flag["person"]]["open_flag"] = flag["id"]
    figures["totals"]["open_flags"] = len(figures["open_flags"])
    return figures


def cached_station_figures(*, station: Station, area=None, period: Period) -> tuple[str, dict]:
    """`station_figures` through the cache (dashboard/versions.py): the key they are kept under, and the figures."""
    key = versions.figures_key(station=station, area=area, period=period)
    return key, versions.cached(key, lambda: station_figures(station=station, area=area, period=period))


def cached_province_figures(*, period: Period) -> tuple[str, dict]:
    """`province_figures` of every station (what headquarters see) through the cache: computed once a minute at
    most however many people at headquarters watch, as the page and its API refresh every minute. No version of
    the network's data is cheap to read (leads arrive somewhere every second at the end of a working day), so the
    figures are kept for CACHE_SECONDS, or until the roll-up they read past days from is refreshed: the key they
    are kept under, and the figures."""
    span = f"{period.day}.{period.start}.{period.end}.{period.kind}"
    _through, refreshed_at = rollup.totals_through()
    version = refreshed_at.timestamp() if refreshed_at else ""
    key = f"dashboard:{versions.NAMESPACE}:province:{span}:{translation.get_language()}:{version}"
    return key, versions.cached(key, lambda: province_figures(stations=Station.objects.all(), period=period))


def _last_judged(station, day: datetime.date, judge: LiveJudge) -> datetime.date | None:
    """The last working day up to `day` the evaluation has judged at the station."""
    judged = [
        d for (sid, d), working in judge.evaluated.items() if sid == station.pk and working and d <= day
    ]
    if judged:
        return max(judged)
    # Nothing judged in the days the judge looked at: look further back.
    return (
        StationDay.objects.filter(station=station, day__lte=day, evaluated_at__isnull=False, working_day=True)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def miss_streaks(
    station, members, day: datetime.date, judge: LiveJudge, live_counted, *, last_judged, streaks
) -> dict[int, int]:
    """Working days missed in a row up to `day` (today counts only once it is over, i.e. once evaluated).

    The evaluation's own count on the last judged working day (`streaks`, person -> miss streak on
    `last_judged`), plus the days missed live since then.
    """
    today = station.local_date()
    quota = judge.quota(station.pk)
    result = {}
    for m in members:
        streak = streaks.get(m["id"]) or 0
        current = max(last_judged + datetime.timedelta(days=1) if last_judged else judge.first, judge.first)
        while current <= day and current < today:
            if judge.is_live_working_day(station.pk, current) and judge.is_due(m, current):
                streak = 0 if live_counted.get((m["id"], current), 0) >= quota else streak + 1
            current += datetime.timedelta(days=1)
        result[m["id"]] = streak
    return result


def funnel_and_share(clients) -> tuple[dict, dict]:
    """Clients per stage now, and our parcels against the competitors' across them (per month as last heard),
    in one query."""
    counts = dict.fromkeys(Stage.values, 0)
    ours = theirs = 0
    for stage, n, our_monthly, competitor_monthly in (
        clients.values_list("stage")
        .annotate(n=Count("pk"), ours=Sum("our_monthly"), theirs=Sum("competitor_monthly_total"))
        .order_by()
    ):
        counts[stage] = n
        ours += our_monthly or 0
        theirs += competitor_monthly or 0
    share = {"our_monthly": ours, "competitor_monthly": theirs, "our_share": _ratio(ours, ours + theirs)}
    return counts, share


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
    """All stations the caller sees, side by side, ranked by how well their people keep the quota.

    Judged days come from the evaluation's per-station summaries (StationDay), so the cost does not grow with
    the number of people; only the days not judged yet look at the tallies of that day.
    """
    stations = list(stations.order_by("code"))
    ids = [s.pk for s in stations]
    # Headquarters see every station: then the tallies need no station filter, and a day of the whole
    # network is one range of the (day, station) covering index.
    every = len(ids) == Station.objects.count()

    def of_stations(qs):
        return qs if every else qs.filter(station_id__in=ids)

    first, last = min(period.trend_start, period.day), max(period.end, period.day)
    in_period = set(period.days)
    judge = LiveJudge(stations, first, last)

    rows = {
        s.pk: {
            "station": s.pk,
            "name": s.name,
            "code": s.code,
            "people": 0,
            "areas": 0,
            "leads": 0,
            "leads_period": 0,
            "met_today": 0,
            "due_today": 0,
            "due_days": 0,
            "met_days": 0,
            "open_flags": 0,
            "clients": 0,
            "revenue": Decimal(0),
        }
        for s in stations
    }
    trend = {d: {"day": d, "leads": 0, "counted": 0} for d in period.trend_days}
    through, refreshed_at = rollup.totals_through()
    sums = []
    if through is not None and first <= through:
        sums.append(
            StationDayTotal.objects.filter(
                station_id__in=ids, day__range=(first, min(last, through))
            ).values_list("station_id", "day", "leads", "counted")
        )
    live_first = max(first, through + datetime.timedelta(days=1)) if through is not None else first
    if live_first <= last:
        sums.append(
            of_stations(DailyTally.objects.filter(day__range=(live_first, last)))
            .values_list("station_id", "day")
            .annotate(leads_sum=Sum("leads"), counted_sum=Sum("counted"))
            .order_by()
        )
    for station_id, day, leads, counted in (row for qs in sums for row in qs):
        row = rows[station_id]
        if day in trend:
            trend[day]["leads"] += leads
            trend[day]["counted"] += counted
        if day == period.day:
            row["leads"] = leads
        if day in in_period:
            row["leads_period"] += leads

    def add(row, day, due, met):
        if day == period.day:
            row["due_today"], row["met_today"] = due, met
        if day in in_period:
            row["due_days"] += due
            row["met_days"] += met

    wanted = in_period | {period.day}
    for station_id, day, on_duty, met in StationDay.objects.filter(
        station_id__in=ids, day__range=(first, last), evaluated_at__isnull=False
    ).values_list("station_id", "day", "on_duty", "met"):
        if day in wanted:
            add(rows[station_id], day, on_duty, met)

    # Who is due on the days not judged yet: people joined by then, less those on leave that day.
    joined = defaultdict(list)  # station -> [(date joined, people)]
    for station_id, date_joined, n in (
        User.objects.filter(station_id__in=ids, role__in=QUOTA_ROLES, is_active=True)
        .values_list("station_id", "date_joined")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        joined[station_id].append((date_joined, n))
        rows[station_id]["people"] += n
    live = sorted({(sid, d) for sid in ids for d in wanted if judge.is_live_working_day(sid, d)})
    if live:
        met_live = defaultdict(int)
        for station_id, day, counted, n in (
            of_stations(DailyTally.objects.filter(day__in=sorted({d for _sid, d in live})))
            .values_list("station_id", "day", "counted")
            .annotate(n=Count("*"))
            .order_by()
        ):
            if counted >= judge.quota(station_id):
                met_live[station_id, day] += n
        for station_id, day in live:
            due = sum(n for date_joined, n in joined[station_id] if date_joined <= day)
            due -= sum(1 for _p, a, b in judge.leave_by_station.get(station_id, ()) if a <= day <= b)
            add(rows[station_id], day, due, met_live[station_id, day])

    for station_id, n in (
        Station.objects.filter(pk__in=ids).values_list("pk").annotate(n=Count("areas")).order_by()
    ):
        rows[station_id]["areas"] = n
    funnel_counts = dict.fromkeys(Stage.values, 0)
    if refreshed_at is not None:
        # Clients per stage as of the last roll-up (minutes old): counting every client of the network per
        # request would cost more than the rest of this view together.
        stages = StationStageTotal.objects.filter(station_id__in=ids).values_list(
            "station_id", "stage", "clients"
        )
    else:
        stages = (
            Client.objects.active()
            .filter(station_id__in=ids)
            .values_list("station_id", "stage")
            .annotate(n=Count("pk"))
            .order_by()
        )
    for station_id, stage, n in stages:
        rows[station_id]["clients"] += n
        funnel_counts[stage] += n
    for station_id, n in sections.open_flags_per_station(ids).items():
        rows[station_id]["open_flags"] = n
    # Revenue from the volume feed in the month of the day: one aggregate query over that month's rows.
    filters = {} if every else {"client__station_id__in": ids}
    for station_id, amount in revenue_by(
        "client__station", month=period.day.replace(day=1), **filters
    ).items():
        if station_id in rows:
            rows[station_id]["revenue"] = amount

    for row in rows.values():
        row["compliance_today"] = _ratio(row["met_today"], row["due_today"])
        row["compliance"] = _ratio(row["met_days"], row["due_days"])
        row["leads_per_person"] = _ratio(row["leads_period"], row["people"])
    ranked = sorted(
        rows.values(), key=lambda r: (-(r["compliance"] or 0), -(r["leads_per_person"] or 0), r["code"])
    )
    for i, row in enumerate(ranked, start=1):
        row["rank"] = i
    totals = {
        key: sum(r[key] for r in ranked)
        for key in ("people", "leads", "leads_period", "met_today", "due_today", "open_flags", "clients")
    }
    totals["stations"] = len(ranked)
    totals["revenue"] = sum((r["revenue"] for r in ranked), Decimal(0))
    totals["revenue_month"] = period.day.strftime("%Y-%m")
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
        "clients_as_of": refreshed_at,
        **_funnel_from_counts(funnel_counts),
    }


def notice_figures(*, station: Station, area=None, period: Period) -> dict:
    """The notice (通报): areas ranked by leads per person, people by the leads that count for the quota."""
    figures = station_figures(station=station, area=area, period=period, full=False)
    area_names = {a["area"]: a["name"] for a in figures["areas"]}
    areas = sorted(
        figures["areas"], key=lambda a: (-(a["leads_per_person"] or 0), -(a["compliance"] or 0), a["name"])
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
    # Ranked by what the heading says, the leads that count for the quota; ties go to more leads collected, then
    # fewer days missed, then the name, so equal rows keep one order on the page and in the workbook.
    people = sorted(
        figures["people"],
        key=lambda p: (
            -p["counted_period"],
            -p["leads_period"],
            p["due_days"] - p["met_days"],
            p["name"],
            p["username"],
        ),
    )
    people_rows = [
        {
            "rank": i,
            "id": p["person"],
            "name": p["name"],
            "username": p["username"],
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

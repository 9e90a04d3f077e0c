"""Scorecards: each target against what was achieved, how far into the month we are, and the ranking."""

import calendar
import datetime
from decimal import Decimal

from django.db.models import Q

from accounts.models import Role, Station, User
from accounts.roles import HQ_ROLES

from .actuals import actuals
from .models import Level, Metric, Target

METRIC_ORDER = list(Metric.values)


def parse_month(value: str | None) -> datetime.date | None:
    """`YYYY-MM` to the month's first day, or None when it is not one."""
    try:
        year, month = (value or "").split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


def pace(month: datetime.date, today: datetime.date) -> Decimal:
    """How much of `month` has gone by on `today` (today counted): 0 before it, 1 after it."""
    if today < month:
        return Decimal(0)
    days = calendar.monthrange(month.year, month.month)[1]
    if today >= month + datetime.timedelta(days=days):
        return Decimal(1)
    return Decimal(today.day) / Decimal(days)


def _rank(rows, key) -> None:
    """Rank rows sharing `key` by attainment (unset last), then by what was achieved, then by name."""
    groups = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    for group in groups.values():
        group.sort(key=lambda r: (r["attainment"] is None, -(r["attainment"] or 0), -r["actual"], r["name"]))
        for i, row in enumerate(group, start=1):
            row["rank"] = i


def _targets(user: User, *, month: datetime.date, station_id=None, area_id=None):
    targets = (
        Target.objects.visible_to(user)
        .filter(month=month)
        .select_related("person", "person__area", "area", "station")
    )
    if station_id is not None:
        targets = targets.filter(station_id=station_id)
    if area_id is not None:
        # An area's own targets and its people's.
        targets = targets.filter(Q(area_id=area_id) | Q(person__area_id=area_id))
    return targets


def _rows(targets: list[Target], *, level: str, month: datetime.date, today: datetime.date) -> list[dict]:
    subject = {Level.PERSON: "person_id", Level.AREA: "area_id", Level.STATION: "station_id"}[level]
    achieved = actuals(level, {getattr(t, subject) for t in targets}, month)
    gone_by = pace(month, today)
    rows = []
    for t in targets:
        actual = achieved.get((getattr(t, subject), t.metric), 0)
        target = t.value
        expected = (target * gone_by).quantize(Decimal("0.01"))
        rows.append(
            {
                "id": t.pk,
                "level": level,
                level: getattr(t, subject),
                "name": str(t.subject),
                "area_name": (
                    t.person.area.name if t.person and t.person.area_id else t.area.name if t.area_id else ""
                ),
                "station": t.station_id,
                "station_name": t.station.name,
                "metric": t.metric,
                "metric_label": str(Metric(t.metric).label),
                "target": target,
                "actual": actual,
                "attainment": round(Decimal(actual) / target, 4) if target else None,
                "expected": expected,
                "behind": bool(target) and actual < expected,
            }
        )
    _rank(
        rows, (lambda r: r["metric"]) if level == Level.STATION else (lambda r: (r["station"], r["metric"]))
    )
    rows.sort(key=lambda r: (r["station_name"], METRIC_ORDER.index(r["metric"]), r["rank"]))
    return rows


def scorecard(
    user: User,
    *,
    month: datetime.date,
    today: datetime.date,
    level: str = Level.PERSON,
    station_id: int | None = None,
    area_id: int | None = None,
) -> list[dict]:
    """One row per target `user` may see at `level` in `month`: target, actual, attainment (actual / target),
    what is expected by `today` at an even pace, whether it is behind, and its rank among the same metric's
    rows (at a station, for people and areas; across stations, for stations). A fixed number of queries."""
    targets = _targets(user, month=month, station_id=station_id, area_id=area_id).of_level(level)
    return _rows(list(targets), level=level, month=month, today=today)


def ranking(rows: list[dict]) -> list[dict]:
    """Per subject (person, area or station): its metrics side by side and an overall rank by the average
    attainment of the metrics it has a target for; the ones behind on any metric are marked."""
    subjects = {}
    for row in rows:
        key = (row["level"], row[row["level"]])
        entry = subjects.setdefault(
            key,
            {
                "id": row[row["level"]],
                "name": row["name"],
                "area_name": row["area_name"],
                "station": row["station"],
                "station_name": row["station_name"],
                "metrics": {},
                "behind": 0,
            },
        )
        entry["metrics"][row["metric"]] = row
        entry["behind"] += row["behind"]
    result = list(subjects.values())
    for entry in result:
        scored = [r["attainment"] for r in entry["metrics"].values() if r["attainment"] is not None]
        entry["score"] = round(sum(scored) / len(scored), 4) if scored else None
    result.sort(key=lambda e: (e["score"] is None, -(e["score"] or 0), e["behind"], e["name"]))
    for i, entry in enumerate(result, start=1):
        entry["rank"] = i
    return result


LEVEL_KEYS = {Level.PERSON: "people", Level.AREA: "areas", Level.STATION: "stations"}


def summary(
    user: User,
    *,
    month: datetime.date,
    today: datetime.date,
    levels=(Level.PERSON, Level.AREA),
    station_id: int | None = None,
    area_id: int | None = None,
) -> dict:
    """The ranking of each level for the dashboard and the notice: {"month", "people", "areas", "stations"}.
    The targets of every level in one query; with none, nothing more is read."""
    everything = list(_targets(user, month=month, station_id=station_id, area_id=area_id))
    result = {"month": month}
    for level in levels:
        of_level = [t for t in everything if t.level == level]
        result[LEVEL_KEYS[level]] = (
            ranking(_rows(of_level, level=level, month=month, today=today)) if of_level else []
        )
    return result


def as_table(ranked: list[dict]) -> list[Metric]:
    """The metrics any of `ranked` has a target for, in order; each entry gets `cells`, its row per metric (or
    None), to show them as columns."""
    metrics = [m for m in Metric if any(m in e["metrics"] for e in ranked)]
    for entry in ranked:
        entry["cells"] = [entry["metrics"].get(m) for m in metrics]
    return metrics


def people_with_targets(station: Station):
    """The people of a station who get targets of their own: everybody working in it but its master."""
    return (
        User.objects.filter(station=station, is_active=True)
        .exclude(role__in=[*HQ_ROLES, Role.STATION_MASTER])
        .select_related("area")
        .order_by("area__name", "role", "display_name", "username")
    )

"""A station's dashboard figures, kept in the cache under a version of the data they are read from.

Computing one station's figures reads its tallies, evaluated days, people, clients and the records hanging off the
clients: 17 queries, 30-60 ms at province scale. The page and its API show the same figures, both refresh every minute, and several
people watch the same station, so each version is computed once and served from the cache (Redis in production)
for at most CACHE_SECONDS.

The version is one query of cheap lookups, so that what changes the figures changes the key at once:

- per station: the count and sums of its daily tallies over the days shown (an index-only range: a lead arriving,
  rejected or restored), its evaluated days (the daily evaluation), its quota rule and calendar exceptions, the
  count and latest change of its active clients (a step of the loop, a merge, a new client) and of its miss flags
  (a flag raised or handled);
- the newest row of every other table the figures read (people, areas, leave, contracts, visit plans, complaints,
  survey answers, warnings) and of the history rows written when clients, flags, complaints and visit plans
  change (stage changes, merges, flag and complaint events, visit records): anything added or moved on.

What the lookups cannot see — an existing row edited in place elsewhere (a person's join date, a visit plan
cancelled, a warning cleared) or time passing (a complaint going past its deadline) — shows within CACHE_SECONDS.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from accounts.models import Area, Station, User
from pipeline.models import Client, ClientMerge
from pipeline.models.loop import Contract, StageChange
from quota.models import CalendarDay, DailyTally, FlagEvent, Leave, QuotaFlag, QuotaSettings, StationDay
from satisfaction.models import Complaint, IndicatorWarning, SurveyResponse
from satisfaction.models.complaints import ComplaintEvent
from visits.models import VisitPlan, VisitRecord

from .periods import Period

CACHE_SECONDS = 60
# Part of every key; tests give each test its own, as a new database would be.
NAMESPACE = "1"

# Per station: (table, aggregates, extra condition with its parameters taken from the period).
_STATION_LOOKUPS = [
    (DailyTally, "COUNT(*), SUM(leads), SUM(counted)", "AND day >= %s AND day <= %s"),
    (StationDay, "COUNT(*), COUNT(evaluated_at), MAX(evaluated_at)", ""),
    (QuotaSettings, "COUNT(*), MAX(updated_at), MAX(id)", ""),
    (Client, "COUNT(*), MAX(updated_at), NULL", "AND merged_into_id IS NULL"),
    (QuotaFlag, "COUNT(*), MAX(updated_at), MAX(id)", ""),
    (CalendarDay, "COUNT(*), MAX(id), NULL", ""),
]
# Everything else: its newest row. History rows (stage changes, merges, flag and complaint events, visit records)
# mark changes made in place to the clients, flags, complaints and plans they belong to.
_NEWEST = [User, Area, Leave, StageChange, ClientMerge, Contract, VisitPlan, VisitRecord, FlagEvent]
_NEWEST += [Complaint, ComplaintEvent, SurveyResponse, IndicatorWarning]


def _version_sql() -> str:
    quote = connection.ops.quote_name
    parts = []
    for i, (model, aggregates, condition) in enumerate(_STATION_LOOKUPS):
        columns = ", ".join(f"CAST({a.strip()} AS TEXT)" for a in aggregates.split(","))
        parts.append(
            f"SELECT {i}, {columns} FROM {quote(model._meta.db_table)} WHERE station_id = %s {condition}"
        )
    for i, model in enumerate(_NEWEST, start=len(_STATION_LOOKUPS)):
        parts.append(f"SELECT {i}, CAST(MAX(id) AS TEXT), NULL, NULL FROM {quote(model._meta.db_table)}")
    return " UNION ALL ".join(parts)


def data_version(*, station: Station, period: Period) -> str:
    """A short digest that changes when the data behind `station`'s figures for `period` changes (see above)."""
    first, last = min(period.trend_start, period.day), max(period.end, period.day)
    params = []
    for _model, _aggregates, condition in _STATION_LOOKUPS:
        params += [station.pk, first, last] if "%s" in condition else [station.pk]
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), params)
        rows = sorted(cursor.fetchall())
    return hashlib.blake2b(repr(rows).encode(), digest_size=10).hexdigest()


def figures_key(*, station: Station, area: Area | None, period: Period) -> str:
    """The cache key of a station's (or an area's) figures for a period, in the active language."""
    version = data_version(station=station, period=period)
    scope = f"{station.pk}.{area.pk if area is not None else ''}"
    span = f"{period.day}.{period.start}.{period.end}.{period.kind}"
    return f"dashboard:{NAMESPACE}:{scope}:{span}:{translation.get_language()}:{version}"


def cached(key: str, compute):
    """The value cached under `key`, or `compute()`'s, kept for CACHE_SECONDS."""
    if not CACHE_SECONDS:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value

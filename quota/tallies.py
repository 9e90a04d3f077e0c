"""Keep DailyTally current as leads arrive or are rejected. Called inside the caller's transaction."""

from collections import Counter

from django.db import connection
from django.db.models import F

from .models import DailyTally

UPSERT_ROWS = 500  # per statement: 2,500 parameters, within SQLite's limit


def _add_to_days(rows) -> None:
    """Add n leads to each (person, day, station, area, n) in one statement: the day's row is created at n or
    incremented in place (INSERT … ON CONFLICT DO UPDATE, PostgreSQL and SQLite alike), so concurrent submitters
    never lose an increment and a lead costs one statement, not an insert and an update."""
    table = connection.ops.quote_name(DailyTally._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [v for person, day, station, area, n in rows for v in (person, day, station, area, n, n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (person_id, day, station_id, area_id, leads, counted) VALUES {values} "
            f"ON CONFLICT (person_id, day) DO UPDATE SET leads = {table}.leads + excluded.leads, "
            f"counted = {table}.counted + excluded.counted, updated_at = CURRENT_TIMESTAMP",
            params,
        )


def record_leads(leads) -> None:
    """Count newly created leads (any number, e.g. a whole import) into their collectors' days."""
    per_day = Counter((lead.collected_by_id, lead.collected_on) for lead in leads)
    if not per_day:
        return
    first = {}
    for lead in leads:
        first.setdefault((lead.collected_by_id, lead.collected_on), lead)
    rows = [
        (person_id, day, first[key].station_id, first[key].area_id, n)
        for key, n in per_day.items()
        for person_id, day in [key]
    ]
    for start in range(0, len(rows), UPSERT_ROWS):
        _add_to_days(rows[start : start + UPSERT_ROWS])
    late = [lead for lead in leads if getattr(lead, "captured_at", None) is not None]
    if late:
        # Captured on a phone without signal and sent later: the day it counts on may have been judged already,
        # and is judged again for its collector (docs/offline.md).
        from .evaluation import rejudge_person_day

        for lead in late:
            rejudge_person_day(person=lead.collected_by, day=lead.collected_on, because=lead)


def record_uncounted(lead) -> None:
    """A lead was rejected as fake or a duplicate: it no longer counts towards its collector's quota."""
    DailyTally.objects.filter(person_id=lead.collected_by_id, day=lead.collected_on, counted__gt=0).update(
        counted=F("counted") - 1
    )

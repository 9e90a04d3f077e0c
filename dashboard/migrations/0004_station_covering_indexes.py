"""Covering indexes for one station's dashboard (PostgreSQL only), so that its queries read no table rows.

- The daily tallies by (station, day) carry every column the station figures read: the per-day sums, the per person
  and area figures over the period, the day's rows and the miss streaks are index-only ranges. This replaces the
  narrower index of 0003 (`INCLUDE (leads, counted)`), which it covers.
- The active clients by (station, latest change) carry their stage and monthly volumes: the funnel and our share
  of the parcels, the clients' ids and the cache version (dashboard/versions.py: count and latest change) are
  index-only too.
"""

from django.db import migrations

TALLIES = "dashboard_tally_station_day"
NARROW = "dashboard_tally_station_day_sums"
CLIENTS = "dashboard_client_station_active"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TALLIES} ON quota_dailytally (station_id, day) "
        "INCLUDE (person_id, area_id, leads, counted, working_day, met, evaluated_at, miss_streak)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {NARROW}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {CLIENTS} ON pipeline_client (station_id, updated_at) "
        "INCLUDE (id, stage, our_monthly, competitor_monthly_total) WHERE merged_into_id IS NULL"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NARROW} ON quota_dailytally (station_id, day) INCLUDE (leads, counted)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {TALLIES}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {CLIENTS}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_tally_station_covering_index"),
        ("pipeline", "0005_lead_list_indexes"),
        ("quota", "0002_calendar_leave_evaluation_flags"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

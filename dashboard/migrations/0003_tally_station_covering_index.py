"""A second covering index on the daily tallies, for one station's per-day sums (PostgreSQL only)."""

from django.db import migrations

INDEX = "dashboard_tally_station_day_sums"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON quota_dailytally (station_id, day) INCLUDE (leads, counted)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_tally_covering_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

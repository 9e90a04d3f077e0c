"""A covering index on the quota app's daily tallies for the dashboards' per-day sums (PostgreSQL only).

Summing a day of a whole network's tallies (about ten thousand rows) then needs no table access. It lives here
because the dashboards are the only readers that need it; other databases do without.
"""

from django.db import migrations

INDEX = "dashboard_tally_day_station_sums"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON quota_dailytally (day, station_id) INCLUDE (leads, counted)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("quota", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

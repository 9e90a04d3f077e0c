"""The loop's history summed up where the kanban and the funnel read it in one pass (pipeline/services/transitions.py
keeps it from now on):

- on each client, the furthest step it reached (by its stage changes and its stage) and, while it is dropped, the
  reason of its last drop;
- StepTotal: the network's moves forward out of each step and the days spent in it before them;
- the index that serves the kanban's cards, oldest first in each column, and on PostgreSQL a covering index of the
  active clients by station and stage with what the kanban totals and the funnel counts, read without the table.

The backfill is two statements over the whole tables that work on SQLite too. At province scale every client row
is rewritten: 2.5 minutes on a shared 2-core machine (load 8); afterwards `VACUUM ANALYZE pipeline_client` lets the
covering index be read without the table at once, rather than when autovacuum comes by.
"""

from django.conf import settings
from django.db import migrations, models

LOOP = [
    "collect",
    "screen",
    "survey",
    "needs",
    "proposal",
    "visit",
    "trial_shipment",
    "contract",
    "follow_up",
    "archive",
]
TOTALS_INDEX = "client_loop_totals"


def _ordinal(column: str) -> str:
    """SQL for a stage's place in the loop: 0 for collect … 9 for archive, -1 for dropped and anything else."""
    whens = " ".join(f"WHEN '{stage}' THEN {i}" for i, stage in enumerate(LOOP))
    return f"(CASE {column} {whens} ELSE -1 END)"


def backfill(apps, schema_editor):
    execute = schema_editor.execute
    greatest = "GREATEST" if schema_editor.connection.vendor == "postgresql" else "MAX"
    furthest = (
        f"{greatest}({_ordinal('c.stage')}, COALESCE((SELECT MAX({greatest}({_ordinal('s.from_stage')}, "
        f"{_ordinal('s.to_stage')})) FROM pipeline_stagechange s WHERE s.client_id = c.id), -1))"
    )
    names = " ".join(f"WHEN {i} THEN '{stage}'" for i, stage in enumerate(LOOP))
    last_drop = (
        "SELECT s.drop_reason FROM pipeline_stagechange s WHERE s.client_id = c.id AND s.to_stage = 'dropped' "
        "ORDER BY s.at DESC, s.id DESC LIMIT 1"
    )
    # One statement, so that each row is written once (a row written twice in the transaction would queue the
    # checks of its deferred foreign keys, which CREATE INDEX below refuses to run with).
    execute(
        f"UPDATE pipeline_client AS c SET furthest_stage = (CASE {furthest} {names} ELSE '' END), "
        f"drop_reason = (CASE WHEN c.stage = 'dropped' THEN COALESCE(({last_drop}), '') ELSE '' END)"
    )
    steps = ", ".join(f"'{stage}'" for stage in LOOP)
    execute(
        "INSERT INTO pipeline_steptotal (stage, moves, days) "
        "SELECT s.from_stage, COUNT(*), SUM(s.days_in_previous) FROM pipeline_stagechange s "
        "JOIN pipeline_client c ON c.id = s.client_id WHERE c.merged_into_id IS NULL "
        f"AND s.from_stage IN ({steps}) AND s.to_stage <> 'dropped' "
        f"AND {_ordinal('s.to_stage')} > {_ordinal('s.from_stage')} GROUP BY s.from_stage"
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TOTALS_INDEX} ON pipeline_client "
            "(station_id, stage, furthest_stage, drop_reason) INCLUDE (expected_revenue, id) "
            "WHERE merged_into_id IS NULL"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TOTALS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_is_integration"),
        ("pipeline", "0012_alter_contract_updated_at_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StepTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("collect", "Collect"),
                            ("screen", "Screen"),
                            ("survey", "Survey"),
                            ("needs", "Needs analysis"),
                            ("proposal", "Proposal"),
                            ("visit", "Visit and negotiation"),
                            ("trial_shipment", "Trial shipment"),
                            ("contract", "Contract"),
                            ("follow_up", "Follow-up"),
                            ("archive", "Archive"),
                            ("dropped", "Dropped"),
                        ],
                        max_length=20,
                        unique=True,
                        verbose_name="step",
                    ),
                ),
                ("moves", models.PositiveBigIntegerField(default=0, verbose_name="moves forward")),
                ("days", models.PositiveBigIntegerField(default=0, verbose_name="days spent before them")),
            ],
            options={
                "verbose_name": "step total",
                "verbose_name_plural": "step totals",
            },
        ),
        migrations.AddField(
            model_name="client",
            name="drop_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("lost_price", "Lost to a competitor on price"),
                    ("lost_service", "Lost on service"),
                    ("too_small", "Too small"),
                    ("unreachable", "Unreachable"),
                    ("other", "Other"),
                ],
                editable=False,
                max_length=20,
                verbose_name="drop reason",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="furthest_stage",
            field=models.CharField(
                blank=True,
                choices=[
                    ("collect", "Collect"),
                    ("screen", "Screen"),
                    ("survey", "Survey"),
                    ("needs", "Needs analysis"),
                    ("proposal", "Proposal"),
                    ("visit", "Visit and negotiation"),
                    ("trial_shipment", "Trial shipment"),
                    ("contract", "Contract"),
                    ("follow_up", "Follow-up"),
                    ("archive", "Archive"),
                    ("dropped", "Dropped"),
                ],
                default="collect",
                editable=False,
                max_length=20,
                verbose_name="furthest step reached",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["stage", "stage_entered_at", "id"],
                name="client_stage_queue",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]

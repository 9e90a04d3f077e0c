"""The network's loop tally (pipeline.models.LoopTally): folded by the beat, rebuilt when it cannot be trusted.

PostgreSQL's triggers on the clients' table write the tally; nothing here is needed for it to be right, only for
it to stay small. On SQLite there are no triggers and nothing to do.
"""

from django.db import connection, transaction

from ..models import Client, LoopTally

TABLE = LoopTally._meta.db_table
KEY = "stage, furthest_stage, drop_reason"
# One compaction at a time (a transaction-level advisory lock; the number is this table's own).
LOCK_ID = 0x100_7A11


def loop_tally_compact() -> bool:
    """Fold the tally's rows into one per key, leaving out keys that add up to nothing. Rows written by
    transactions still open are not seen and stay as they are. False when another compaction holds the lock."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_ID])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(
            f"WITH gone AS (DELETE FROM {TABLE} RETURNING {KEY}, clients, revenue) "
            f"INSERT INTO {TABLE} ({KEY}, clients, revenue) "
            f"SELECT {KEY}, SUM(clients), SUM(revenue) FROM gone GROUP BY {KEY} HAVING SUM(clients) <> 0"
        )
    return True


def loop_tally_rebuild() -> None:
    """Count the active clients again into the tally, for a database whose tally went wrong (restored from an
    older dump, triggers disabled for a bulk load). Writes to clients wait for it (well under a second at
    province scale), so that each is counted exactly once."""
    if connection.vendor != "postgresql":
        return
    clients = Client._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{clients}" IN SHARE MODE')
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} ({KEY}, clients, revenue) "
            f'SELECT {KEY}, COUNT(*), SUM(expected_revenue) FROM "{clients}" '
            f"WHERE merged_into_id IS NULL GROUP BY {KEY}"
        )

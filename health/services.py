import datetime

from .models import Heartbeat

BEAT = "beat"
QUOTA_EVALUATION = "quota_evaluation"


def heartbeat_record(*, name: str, at: datetime.datetime) -> None:
    """Record that the job `name` ran at `at` (one statement, a later run overwriting an earlier one)."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=at)], update_conflicts=True, unique_fields=["name"], update_fields=["at"]
    )


def heartbeats(names: list[str]) -> dict[str, datetime.datetime]:
    return dict(Heartbeat.objects.filter(name__in=names).values_list("name", "at"))

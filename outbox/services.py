"""Queue Celery work through the outbox: `task_enqueue` inside the transaction of the change, published when it
commits; when the broker is down the message waits in the database and `message_relay` (beat, every minute)
publishes it once the broker is back.

Publishing is exactly-once as far as a broker without transactions allows: a publisher first claims the message
with a conditional UPDATE, so the on-commit publisher and the relay never both send it; only a process dying
between the broker's acknowledgement and marking the message published leaves it to be sent again after the
claim lapses, with the same task id. The tasks themselves are safe to receive twice.
"""

import datetime
import logging

from celery import current_app
from celery.app.task import Task
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Message

logger = logging.getLogger(__name__)

# Longer than any publication takes, short enough that a message held by a dead process goes out soon after.
CLAIM = datetime.timedelta(minutes=2)
# A request must not hang on a broker that is down: one quick retry, then the relay's turn.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Published messages are kept this long for inspection, then deleted by the relay.
KEEP_PUBLISHED = datetime.timedelta(days=7)


def task_enqueue(*, task: Task, args: list | tuple = (), kwargs: dict | None = None) -> Message:
    """Record `task(*args, **kwargs)` in the current transaction; it is published when the transaction commits
    (rolled back with it otherwise). Arguments must be JSON: ids and ISO dates, as every task here takes."""
    message = Message.objects.create(task=task.name, args=list(args), kwargs=kwargs or {})
    transaction.on_commit(lambda: message_publish(message_id=message.pk))
    return message


def _claim(message_id: int, now: datetime.datetime) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(
        Message.objects.filter(free, pk=message_id, published_at__isnull=True).update(
            claimed_until=now + CLAIM
        )
    )


def message_publish(*, message_id: int) -> bool:
    """Publish one message unless another publisher holds it or it went out already. True once it is out."""
    if not _claim(message_id, timezone.now()):
        return False
    message = Message.objects.get(pk=message_id)
    task = current_app.tasks.get(message.task)
    try:
        if task is not None:  # apply_async keeps the task's own routing and CELERY_TASK_ALWAYS_EAGER
            task.apply_async(
                message.args, message.kwargs, task_id=str(message.task_id), retry_policy=PUBLISH_RETRY
            )
        else:  # a task this process has not imported: the worker knows it by name
            current_app.send_task(
                message.task,
                message.args,
                message.kwargs,
                task_id=str(message.task_id),
                retry_policy=PUBLISH_RETRY,
            )
    except Exception as exc:  # the broker's errors differ by transport; any of them means "not now"
        logger.warning("Outbox message %s (%s) waits for the broker: %s", message.pk, message.task, exc)
        Message.objects.filter(pk=message.pk).update(
            claimed_until=None, attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
        return False
    Message.objects.filter(pk=message.pk).update(published_at=timezone.now(), claimed_until=None)
    return True


def message_relay(*, now: datetime.datetime, limit: int = 1000) -> int:
    """Publish the messages still waiting at `now`, oldest first, stopping at the first the broker refuses (it
    is down: the next run tries again). Deletes messages published more than KEEP_PUBLISHED ago. Returns how
    many it published."""
    Message.objects.filter(published_at__lt=now - KEEP_PUBLISHED).delete()
    waiting = Message.objects.filter(published_at__isnull=True, created_at__lte=now).order_by("pk")
    published = 0
    for message_id in waiting.values_list("pk", flat=True)[:limit]:
        if message_publish(message_id=message_id):
            published += 1
        elif Message.objects.filter(
            pk=message_id, published_at__isnull=True, claimed_until__isnull=True
        ).exists():
            break  # refused by the broker, not taken by another publisher
    return published


def oldest_waiting(*, now: datetime.datetime) -> datetime.timedelta | None:
    """How long the oldest unpublished message has waited, or None when nothing waits."""
    created = (
        Message.objects.filter(published_at__isnull=True)
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if created is None else max(now - created, datetime.timedelta(0))

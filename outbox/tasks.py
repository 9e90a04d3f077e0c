import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def relay(at: str | None = None) -> int:
    """Publish what waits in the outbox (beat, every minute: config/celery.py). Returns how many went out."""
    instant = datetime.datetime.fromisoformat(at) if at else timezone.now()
    return services.message_relay(now=instant)

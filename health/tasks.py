from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(ignore_result=True)
def beat_tick() -> None:
    """Beat's pulse (every minute, config/celery.py). Reading the clock here is the point: it records when the
    chain scheduler → broker → worker last delivered, which /readyz and the dashboard compare with now."""
    services.heartbeat_record(name=services.BEAT, at=timezone.now())

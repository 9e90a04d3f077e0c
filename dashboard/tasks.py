from celery import shared_task
from django.utils import timezone

from . import rollup


@shared_task
def refresh_totals():
    """Roll the tallies and client stages up for the network view (see dashboard/rollup.py)."""
    rollup.refresh_totals(today=timezone.localdate())

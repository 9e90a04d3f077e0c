"""The one write to the trail the product makes: pruning rows past the retention period (AUDIT_RETENTION_DAYS)."""

import datetime

import pgtrigger
from django.db import transaction

from .models import EVENT_MODELS, UserPasswordEvent

ALL_EVENT_MODELS = [*EVENT_MODELS.values(), UserPasswordEvent]


def trail_prune(*, before: datetime.datetime) -> int:
    """Delete the audit rows written before `before`; returns how many. The append-only triggers are lifted for
    this transaction only, for these tables only."""
    uris = [f"{model._meta.label}:append_only" for model in ALL_EVENT_MODELS]
    deleted = 0
    with transaction.atomic(), pgtrigger.ignore(*uris):
        for model in ALL_EVENT_MODELS:
            count, _by_model = model.objects.filter(pgh_created_at__lt=before).delete()
            deleted += count
    return deleted

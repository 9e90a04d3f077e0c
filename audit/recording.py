"""SQLite's ORM path: without PostgreSQL's triggers (a laptop's `make run`), the trail is written from Django's
`post_save` and `post_delete` signals. This sees what goes through a model's `save()` and `delete()` (and the
deletes that cascade from them), not `queryset.update()`, `bulk_create()` or raw SQL: on SQLite the trail is a
convenience for trying the product, not a record. On PostgreSQL these receivers do nothing."""

from django.db import connection
from django.db.models.signals import post_delete, post_save

from .context import current_orm_context
from .tracked import PASSWORD_CHANGED, TRACKED


def _recorded(event_model, obj) -> list[str]:
    names = {f.attname for f in obj._meta.concrete_fields}
    return [
        f.attname
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.attname in names
    ]


def _snapshot(event_model, obj) -> dict:
    return {name: getattr(obj, name) for name in _recorded(event_model, obj)}


def _stored(event_model, obj) -> dict:
    """The row as the database now holds it, as a trigger would see it (a save() with update_fields writes only
    those: the instance's other values may be older or newer than the row's)."""
    names = _recorded(event_model, obj)
    return type(obj)._base_manager.filter(pk=obj.pk).values(*names).first() or _snapshot(event_model, obj)


def _write(event_model, obj, label: str, values: dict) -> None:
    context_id, metadata = current_orm_context()
    row = event_model(pgh_label=label, pgh_context=metadata, pgh_context_id=context_id, **values)
    if hasattr(event_model, "pgh_obj"):
        row.pgh_obj_id = obj.pk
    row.save()


def _last_snapshot(event_model, obj) -> dict | None:
    if not hasattr(event_model, "pgh_obj"):
        return None
    fields = [f.attname for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    return event_model.objects.filter(pgh_obj_id=obj.pk).order_by("-pgh_id").values(*fields).first()


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw or connection.vendor == "postgresql":
        return
    from .models import EVENT_MODELS, UserPasswordEvent

    event_model = EVENT_MODELS[sender._meta.label]
    tracked = _TRACKED_BY_CLASS[sender]
    values = _stored(event_model, instance)
    if created:
        if "insert" in tracked.events:
            _write(event_model, instance, "insert", values)
        return
    if sender._meta.label == "accounts.User" and _password_changed(instance):
        _write(UserPasswordEvent, instance, PASSWORD_CHANGED, {"username": instance.username})
    if "update" not in tracked.events:
        return
    auto = {f.attname for f in sender._meta.concrete_fields if getattr(f, "auto_now", False)}
    last = _last_snapshot(event_model, instance)
    if last is not None and all(last.get(k) == v for k, v in values.items() if k not in auto):
        return
    _write(event_model, instance, "update", values)


def _password_changed(user) -> bool:
    # set_password() keeps the raw password on the instance until it is saved (Django's own marker).
    return getattr(user, "_password", None) is not None


def _deleted(sender, instance, **kwargs):
    if connection.vendor == "postgresql":
        return
    from .models import EVENT_MODELS

    if "delete" in _TRACKED_BY_CLASS[sender].events:
        event_model = EVENT_MODELS[sender._meta.label]
        _write(event_model, instance, "delete", _snapshot(event_model, instance))


_TRACKED_BY_CLASS: dict = {}


def connect() -> None:
    from django.apps import apps

    for tracked in TRACKED:
        model = apps.get_model(tracked.model)
        _TRACKED_BY_CLASS[model] = tracked
        post_save.connect(_saved, sender=model, dispatch_uid=f"audit-saved-{tracked.model}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-deleted-{tracked.model}")

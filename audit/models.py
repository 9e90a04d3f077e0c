"""The event tables of the audit trail, one per model listed in tracked.py, made by django-pghistory.

Each table holds a copy of the object's recorded fields as they were after an insert or update (before a
delete), `pgh_label` (insert, update, delete or the name of a security event), `pgh_created_at`, `pgh_obj_id` and
`pgh_context`: who did it (a person, a job, a command) and the request id, as JSON (audit/context.py). On
PostgreSQL a trigger writes the row and other triggers refuse to change or delete one (append only); the retention
job alone prunes (audit/services.py).
"""

import hashlib

import pghistory
from django.apps import apps
from django.db import models
from django.db.models.fields.json import KeyTextTransform

from .tracked import PASSWORD_CHANGED, TRACKED

_TRACKERS = {
    "insert": pghistory.InsertEvent,
    "update": pghistory.UpdateEvent,
    "delete": pghistory.DeleteEvent,
}


def _indexes(name: str) -> list[models.Index]:
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return [
        # The trail is read newest first, and by who acted (the per-person page, ?actor=).
        models.Index(fields=["pgh_created_at"], name=f"audit_{digest}_at"),
        models.Index(KeyTextTransform("user", "pgh_context"), name=f"audit_{digest}_actor"),
    ]


# Set on every write by the services: a change of these alone is no change.
NOISE_FIELDS = ("updated_at",)


def _trackers(model, events):
    trackers = []
    for event in events:
        if event == "update":
            # Only when a recorded field changed: a save that rewrites the same values leaves no row.
            noise = [f.name for f in model._meta.concrete_fields if f.name in NOISE_FIELDS]
            condition = pghistory.AnyChange(exclude=noise, exclude_auto=True)
            trackers.append(pghistory.UpdateEvent(condition=condition))
        else:
            trackers.append(_TRACKERS[event]())
    return trackers


def _proxy(model) -> type[models.Model]:
    """A proxy of `model` in this app, which the triggers are attached to: so every migration of the trail is
    in this app (the tracked apps' migrations, and third-party ones such as axes', stay as they are)."""
    name = f"{model._meta.object_name}Audited"
    meta = type("Meta", (), {"proxy": True, "app_label": "audit", "verbose_name": model._meta.verbose_name})
    proxy = type(name, (model,), {"__module__": __name__, "Meta": meta})
    globals()[name] = proxy
    return proxy


EVENT_MODELS: dict[str, type[models.Model]] = {}
PROXIES: dict[str, type[models.Model]] = {}
for _tracked in TRACKED:
    _model = apps.get_model(_tracked.model, require_ready=False)
    _name = f"{_model._meta.object_name}Event"
    EVENT_MODELS[_tracked.model] = pghistory.create_event_model(
        PROXIES.setdefault(_tracked.model, _proxy(_model)),
        *_trackers(_model, _tracked.events),
        exclude=list(_tracked.exclude),
        # A token's primary key is the digest of its secret: the trail names it by its public prefix instead.
        obj_field=None if _model._meta.pk.name in _tracked.exclude else pghistory.ObjForeignKey(),
        model_name=_name,
        app_label="audit",
        append_only=True,
        abstract=False,
        meta={"indexes": _indexes(_name), "verbose_name": _model._meta.verbose_name},
    )

# A password change or reset, by any door: the person's username, never the hash.
UserPasswordEvent = pghistory.create_event_model(
    PROXIES["accounts.User"],
    pghistory.UpdateEvent(PASSWORD_CHANGED, condition=pghistory.AnyChange("password")),
    fields=["username"],
    model_name="UserPasswordEvent",
    app_label="audit",
    append_only=True,
    abstract=False,
    meta={"indexes": _indexes("UserPasswordEvent")},
)

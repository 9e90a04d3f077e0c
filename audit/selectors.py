"""Reading the audit trail: one list over every event table, scoped like the objects, newest first.

The rows of a page are found with one UNION ALL over the event tables that can match (each filtered by the
reader's scope and the filters, each read through its `pgh_created_at` index), then read in full with the
previous copy of each object, which gives the field-by-field change: a few queries per page whatever its length.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.fields.files import FieldFile
from django.db.models.fields.json import KeyTextTransform

from accounts.models import User
from accounts.roles import AUDIT_READERS

from .models import EVENT_MODELS, NOISE_FIELDS, UserPasswordEvent
from .tracked import BY_OBJECT_TYPE, PASSWORD_CHANGED, TRACKED, Tracked, _logins, action_for


@dataclass(frozen=True)
class Source:
    """One event table as the trail reads it."""

    key: str  # unique among sources (the event model's label)
    tracked: Tracked
    event_model: type
    scope: Callable
    object_id: str  # the field naming the object
    subject: str | None = None  # the field naming the person a row is about (user, login, password rows)

    @property
    def object_type(self) -> str:
        return self.tracked.object_type


def _sources() -> list[Source]:
    sources = []
    for tracked in TRACKED:
        sources.append(
            Source(
                key=EVENT_MODELS[tracked.model]._meta.label,
                tracked=tracked,
                event_model=EVENT_MODELS[tracked.model],
                scope=tracked.scope,
                object_id=tracked.object_id,
                subject=tracked.subject,
            )
        )
    sources.append(
        Source(
            key=UserPasswordEvent._meta.label,
            tracked=BY_OBJECT_TYPE["user"],
            event_model=UserPasswordEvent,
            scope=_logins,
            object_id="pgh_obj_id",
            subject="username",
        )
    )
    return sources


SOURCES = _sources()
SOURCE_BY_KEY = {s.key: s for s in SOURCES}
OBJECT_TYPES = sorted(BY_OBJECT_TYPE)


def can_read(user) -> bool:
    return user.is_authenticated and user.role in AUDIT_READERS


@dataclass
class Entry:
    id: str
    at: datetime.datetime
    action: str
    object_type: str
    object_id: str | None
    changes: dict
    request_id: str | None
    actor: int | None
    actor_name: str
    actor_kind: str  # person, job, command or database
    job: str | None
    source: Source = field(repr=False)
    data: dict = field(repr=False, default_factory=dict)


def _subject_q(source: Source, person: User) -> Q:
    if source.subject is None:
        return Q(pk__in=[])
    value = person.username if source.subject == "username" else person.pk
    return Q(**{source.subject: value})


def _filtered(source: Source, *, user, object_id, actor, since, client_id, person, action=None):
    qs = source.event_model.objects.filter(source.scope(user))
    if action is not None:
        # The stored label of each row event, or the action itself for events stored under their own name.
        labels = [
            label for label in ("insert", "update", "delete") if action_for(source.tracked, label) == action
        ]
        qs = qs.filter(pgh_label__in=[*labels, action])
    if object_id is not None:
        qs = qs.filter(**{source.object_id: object_id})
    if since is not None:
        qs = qs.filter(pgh_created_at__gte=since)
    if client_id is not None:
        if source.tracked.client is None or source.event_model is UserPasswordEvent:
            return None
        qs = qs.filter(**{source.tracked.client: client_id})
    if actor is not None or person is not None:
        qs = qs.alias(audit_actor=KeyTextTransform("user", "pgh_context"))
    if actor is not None:
        qs = qs.filter(audit_actor=str(actor))
    if person is not None:
        qs = qs.filter(Q(audit_actor=str(person.pk)) | _subject_q(source, person))
    return qs.annotate(audit_source=Value(source.key, output_field=CharField())).values(
        "pgh_id", "pgh_created_at", "audit_source"
    )


def trail(
    *,
    user,
    object_type: str | None = None,
    object_id=None,
    actor: int | None = None,
    since: datetime.datetime | None = None,
    client_id: int | None = None,
    person: User | None = None,
    action: str | None = None,
    offset: int = 0,
    limit: int = 25,
) -> tuple[list[Entry], bool]:
    """One page of the trail `user` may read, newest first, and whether there is more after it."""
    if not can_read(user):
        return [], False
    sources = [s for s in SOURCES if object_type is None or s.object_type == object_type]
    parts = [
        qs
        for s in sources
        if (
            qs := _filtered(
                s,
                user=user,
                object_id=object_id,
                actor=actor,
                since=since,
                client_id=client_id,
                person=person,
                action=action,
            )
        )
        is not None
    ]
    if not parts:
        return [], False
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    keys = list(union.order_by("-pgh_created_at", "-pgh_id", "audit_source")[offset : offset + limit + 1])
    more = len(keys) > limit
    return _entries(keys[:limit]), more


def _entries(keys: list[dict]) -> list[Entry]:
    by_source = defaultdict(list)
    for key in keys:
        by_source[key["audit_source"]].append(key["pgh_id"])
    rows, previous = {}, {}
    for source_key, ids in by_source.items():
        source = SOURCE_BY_KEY[source_key]
        model = source.event_model
        qs = model.objects.filter(pgh_id__in=ids)
        if hasattr(model, "pgh_obj"):
            earlier = model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
            qs = qs.annotate(audit_previous=Subquery(earlier.order_by("-pgh_id").values("pgh_id")[:1]))
        found = list(qs)
        for row in found:
            rows[(source_key, row.pgh_id)] = row
        wanted = [
            r.audit_previous for r in found if r.pgh_label == "update" and getattr(r, "audit_previous", None)
        ]
        for row in model.objects.filter(pgh_id__in=wanted):
            previous[(source_key, row.pgh_id)] = row
    users = _actors(rows.values())
    entries = []
    for key in keys:
        source = SOURCE_BY_KEY[key["audit_source"]]
        row = rows[(key["audit_source"], key["pgh_id"])]
        before = previous.get((key["audit_source"], getattr(row, "audit_previous", None)))
        entries.append(_entry(source, row, before, users))
    return entries


def _actors(rows) -> dict[int, User]:
    ids = set()
    for row in rows:
        context = row.pgh_context or {}
        if isinstance(context.get("user"), int):
            ids.add(context["user"])
        elif isinstance(getattr(row, "user_id", None), int):
            ids.add(row.user_id)
    return User.objects.only("pk", "username", "display_name").in_bulk(ids) if ids else {}


def snapshot(source: Source, row) -> dict:
    """The object's recorded fields in an event row, by attribute name (foreign keys as ids)."""
    values = {}
    for f in row._meta.concrete_fields:
        if f.name.startswith("pgh_") or f.name in NOISE_FIELDS:
            continue
        value = getattr(row, f.attname)
        values[f.attname] = value.name if isinstance(value, FieldFile) else value
    return values


def _changes(source: Source, row, before) -> dict:
    after = snapshot(source, row)
    if row.pgh_label == "update":
        if before is None:
            return {}
        old = snapshot(source, before)
        return {k: [old.get(k), v] for k, v in after.items() if old.get(k) != v}
    if row.pgh_label == PASSWORD_CHANGED:
        return {}
    empty = (None, "")
    if row.pgh_label == "delete":
        return {k: [v, None] for k, v in after.items() if v not in empty}
    return {k: [None, v] for k, v in after.items() if v not in empty}


def _entry(source: Source, row, before, users) -> Entry:
    context = row.pgh_context or {}
    actor_id = context.get("user") if isinstance(context.get("user"), int) else None
    data = snapshot(source, row)
    if actor_id is not None:
        person = users.get(actor_id)
        actor_name, kind = (str(person) if person else f"#{actor_id}"), "person"
    elif context.get("job"):
        actor_name, kind = context["job"], "job"
    elif context.get("command"):
        actor_name, kind = f"manage.py {context['command']}", "command"
    elif source.subject == "username" and data.get("username"):
        # A log-in by token, or a failed one: nobody is signed in yet; the row names the account tried.
        actor_name, kind = data["username"], "person"
    elif source.subject == "user_id" and data.get("user_id") in users:
        # A token asked for with a password: its owner, not yet signed in.
        actor_id = data["user_id"]
        actor_name, kind = str(users[actor_id]), "person"
    else:
        actor_name, kind = "", "database"
    if source.event_model is UserPasswordEvent:
        action, object_id = PASSWORD_CHANGED, row.pgh_obj_id
    else:
        action, object_id = action_for(source.tracked, row.pgh_label), data.get(source.object_id)
    return Entry(
        id=f"{source.object_type}.{row.pgh_id}"
        if source.event_model is not UserPasswordEvent
        else f"password.{row.pgh_id}",
        at=row.pgh_created_at,
        action=action,
        object_type=source.object_type,
        object_id=None if object_id is None else str(object_id),
        changes=_changes(source, row, before),
        request_id=context.get("request_id"),
        actor=actor_id,
        actor_name=actor_name,
        actor_kind=kind,
        job=context.get("job"),
        source=source,
        data=data,
    )

"""The trail for people to read: the object's and the fields' own names (verbose names, in the user's language),
choice labels instead of codes, names instead of ids, newest first."""

from collections import defaultdict

from django.apps import apps
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .selectors import Entry

ACTIONS = {
    "create": pgettext_lazy("audit action", "Created"),
    "update": pgettext_lazy("audit action", "Changed"),
    "delete": pgettext_lazy("audit action", "Deleted"),
    "login": pgettext_lazy("audit action", "Logged in"),
    "login_failed": pgettext_lazy("audit action", "Failed login"),
    "token_issued": pgettext_lazy("audit action", "API token issued"),
    "token_revoked": pgettext_lazy("audit action", "API token revoked"),
    "password_changed": pgettext_lazy("audit action", "Password changed"),
}
ACTOR_KINDS = {
    "job": gettext_lazy("scheduled job"),
    "command": gettext_lazy("command"),
    "database": gettext_lazy("directly in the database"),
}


def _field(model, attname):
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    return None


def _related_names(entries: list[Entry]) -> dict:
    """One query per related model on the page: the names behind the ids of foreign keys."""
    wanted = defaultdict(set)
    for entry in entries:
        model = apps.get_model(entry.source.tracked.model)
        for attname, pair in entry.changes.items():
            f = _field(model, attname)
            if isinstance(f, models.ForeignKey):
                wanted[f.related_model].update(v for v in pair if v is not None)
    names = {}
    for related, ids in wanted.items():
        for pk, obj in related._default_manager.in_bulk(list(ids)).items():
            names[(related, pk)] = str(obj)
    return names


def _display(f, value, names) -> str:
    if value is None or value == "":
        return "—"
    if f is None:
        return str(value)
    if isinstance(f, models.ForeignKey):
        return names.get((f.related_model, value), f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return str(formats.localize(value, use_l10n=True))


def rows(entries: list[Entry]) -> list[dict]:
    names = _related_names(entries)
    out = []
    for entry in entries:
        model = apps.get_model(entry.source.tracked.model)
        changes = []
        for attname, (old, new) in entry.changes.items():
            f = _field(model, attname)
            label = str(f.verbose_name) if f is not None else attname
            changes.append({"field": label, "old": _display(f, old, names), "new": _display(f, new, names)})
        out.append(
            {
                "entry": entry,
                "action": ACTIONS.get(entry.action, entry.action),
                "object": str(model._meta.verbose_name),
                "actor": entry.actor_name or "—",
                "actor_kind": ACTOR_KINDS.get(entry.actor_kind, ""),
                "changes": changes,
            }
        )
    return out

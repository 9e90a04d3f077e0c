"""Search of leads, clients and contacts by name or phone, the same for every list, picker and the global search.

On PostgreSQL each condition is served by an index (pipeline/0007): a trigram GIN index on UPPER(name) serves
`icontains` (Django writes it as UPPER(col) LIKE UPPER('%…%')), and one on the normalised phone serves a partial
number. Text of one or two characters yields no trigram and is matched by a scan, stopped early by the list's
LIMIT. Elsewhere (SQLite) the same lookups run as plain substring matches.
"""

import re

from django.db.models import Q

from ..models import Client, ClientContact
from ..services.normalize import normalize_company_name, try_normalize_phone

MAX_TEXT = 100
_PHONEISH = re.compile(r"^[\d\s+\-()（）]+$")


def phone_digits(value: str) -> str:
    """The digits of a search that looks like (part of) a phone number and has at least three of them, else ""."""
    if not _PHONEISH.match(value):
        return ""
    digits = re.sub(r"\D", "", value)
    return digits if len(digits) >= 3 else ""


def _phone_q(value: str, digits: str, *fields: str) -> Q:
    """A whole number matches its normalised form exactly (a b-tree look-up); part of one, as a substring."""
    full = try_normalize_phone(value)
    q = Q()
    for name in fields:
        q |= Q(**{name: full}) if full else Q(**{f"{name}__contains": digits})
    return q


def clean(value) -> str:
    return (value or "").strip()[:MAX_TEXT]


def search_leads(queryset, value):
    value = clean(value)
    if not value:
        return queryset
    digits = phone_digits(value)
    if digits:
        return queryset.filter(_phone_q(value, digits, "phone_normalized"))
    return queryset.filter(Q(company_name__icontains=value) | Q(contact_name__icontains=value))


def search_clients(queryset, value):
    value = clean(value)
    if not value:
        return queryset
    digits = phone_digits(value)
    if digits:
        contacts = ClientContact.objects.filter(
            _phone_q(value, digits, "phone_normalized", "phone2_normalized")
        )
        return queryset.filter(pk__in=contacts.values("client_id"))
    q = Q(name__icontains=value) | Q(address__icontains=value)
    folded = normalize_company_name(value)
    if folded:
        q |= Q(normalized_name__contains=folded)
    return queryset.filter(q)


def search_contacts(queryset, value):
    value = clean(value)
    if not value:
        return queryset
    digits = phone_digits(value)
    if digits:
        return queryset.filter(_phone_q(value, digits, "phone_normalized", "phone2_normalized"))
    return queryset.filter(name__icontains=value)


def client_choices(user, value, *, limit: int = 20):
    """The first clients matching `value` in the user's scope, for pickers."""
    return search_clients(Client.objects.visible_to(user).active(), value).order_by("name", "pk")[:limit]


GLOBAL_LIMIT = 10


def global_search(user, value, *, limit: int = GLOBAL_LIMIT) -> dict:
    """The top bar's search: the first leads, clients and contacts in `user`'s scope matching `value` by name or
    phone, grouped by kind (three queries, each bounded by `limit` + 1 to tell whether there are more)."""
    from ..models import Lead

    value = clean(value)
    if not value:
        return {
            "leads": [],
            "clients": [],
            "contacts": [],
            "more": {"leads": False, "clients": False, "contacts": False},
        }
    clients = Client.objects.visible_to(user).active()
    groups = {
        "leads": search_leads(Lead.objects.visible_to(user), value).select_related("collected_by")[
            : limit + 1
        ],
        "clients": search_clients(clients, value).select_related("area").order_by("name", "pk")[: limit + 1],
        "contacts": search_contacts(ClientContact.objects.filter(client__in=clients), value)
        .select_related("client")
        .order_by("name", "pk")[: limit + 1],
    }
    out = {"more": {}}
    for kind, rows in groups.items():
        rows = list(rows)
        out[kind], out["more"][kind] = rows[:limit], len(rows) > limit
    return out

"""The volume feed: monthly rows from the waybill system, written set-based (a handful of queries per call however
many rows it has), idempotent per (client, month, source): a row sent again replaces the one stored.

Valid rows are saved even when other rows of the same call are refused; each refused row is reported with its
position and why, and a row naming a client outside the caller's scope is refused in the same words as a client
that does not exist, so the answer reveals nothing beyond the caller's scope.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import VOLUME_WRITERS
from outbox import services as outbox
from pipeline.models import Client

from .models import DEFAULT_SOURCE, MonthlyVolume

MAX_ROWS = 10_000
# Rows per INSERT: 10,000 rows of 7 columns would pass PostgreSQL's limit of 65,535 parameters in one statement.
BATCH = 2_000
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
SOURCE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
MAX_PARCELS = 2_147_483_647
MAX_REVENUE = Decimal("999999999999.99")
FIRST_MONTH = datetime.date(2000, 1, 1)


@dataclass
class FeedResult:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)
    station_ids: set[int] = field(default_factory=set)


def month_parse(text) -> datetime.date:
    """ "YYYY-MM" → the month's first day; ValidationError otherwise."""
    match = MONTH.match(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValidationError(_("Give the month as YYYY-MM."))
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def _parcels(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(_("Parcels must be a whole number of at least 0."))
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(_("Parcels must be a whole number of at least 0.")) from None
    if not 0 <= number <= MAX_PARCELS:
        raise ValidationError(_("Parcels must be a whole number of at least 0."))
    return number


def _revenue(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(_("Revenue must be an amount in yuan of at least 0, with at most 2 decimals."))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or amount > MAX_REVENUE
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ValidationError(_("Revenue must be an amount in yuan of at least 0, with at most 2 decimals."))
    return amount.quantize(Decimal("0.01"))


def _parse_row(raw, *, last_month: datetime.date) -> tuple:
    """(("id", pk) | ("code", code), month, source, parcels, revenue), or ValidationError listing every problem."""
    if not isinstance(raw, dict):
        raise ValidationError(_("Each row is an object."))
    problems = []
    ref = None
    has_id, has_code = raw.get("client") is not None, raw.get("client_code") not in (None, "")
    if has_id == has_code:
        problems.append(_("Name the client by “client” (its id) or by “client_code”, one of the two."))
    elif has_id:
        value = raw["client"]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            ref = ("id", value)
        else:
            problems.append(_("“client” is a client's id, a whole number."))
    else:
        code = raw["client_code"]
        if isinstance(code, str) and len(code.strip()) <= 60:
            ref = ("code", code.strip())
        else:
            problems.append(_("“client_code” is a text of at most 60 characters."))
    parsed = []
    for name, parse in (("month", month_parse), ("parcels", _parcels), ("revenue", _revenue)):
        if raw.get(name) is None:
            problems.append(_("“%(field)s” is required.") % {"field": name})
            continue
        try:
            parsed.append(parse(raw[name]))
        except ValidationError as exc:
            problems.extend(exc.messages)
    source = raw.get("source", DEFAULT_SOURCE)
    if source in (None, ""):
        source = DEFAULT_SOURCE
    if not isinstance(source, str) or not SOURCE.match(source):
        problems.append(_("“source” is up to 40 letters, digits or _ . : -"))
    if parsed and isinstance(parsed[0], datetime.date) and not FIRST_MONTH <= parsed[0] <= last_month:
        problems.append(_("The month must lie between 2000-01 and the current month."))
    if problems:
        raise ValidationError(problems)
    month, parcels, revenue = parsed
    return ref, month, source, parcels, revenue


def _clients_for(by: User, refs: list[tuple]) -> tuple[dict, dict]:
    """The clients the rows name, within the caller's scope, in one query: {id: (pk, station)}, {code: ...}.
    A client merged into another stands for the one it was merged into."""
    ids = {value for kind, value in refs if kind == "id"}
    codes = {value for kind, value in refs if kind == "code"}
    if not ids and not codes:
        return {}, {}
    rows = (
        Client.objects.visible_to(by)
        # `~Q(waybill_code="")` repeats the unique index's condition, so PostgreSQL may use that (partial) index for
        # thousands of codes (it proves the condition itself only for short lists).
        .filter(Q(pk__in=ids) | (Q(waybill_code__in=codes) & ~Q(waybill_code="")))
        .values_list("pk", "waybill_code", "merged_into_id", "station_id")
    )
    by_id, by_code = {}, {}
    for pk, code, merged_into, station_id in rows:
        target = (merged_into or pk, station_id)
        if pk in ids:
            by_id[pk] = target
        if code and code in codes:
            by_code[code] = target
    return by_id, by_code


_UPSERT = """
    INSERT INTO volumes_monthlyvolume
        (client_id, month, source, parcels, revenue, updated_by_id, created_at, updated_at)
    SELECT t.client_id, t.month, t.source, t.parcels, t.revenue, %s, %s, %s
    FROM unnest(%s::bigint[], %s::date[], %s::varchar[], %s::integer[], %s::numeric[])
        AS t(client_id, month, source, parcels, revenue)
    ON CONFLICT (client_id, month, source) DO UPDATE SET
        parcels = EXCLUDED.parcels, revenue = EXCLUDED.revenue,
        updated_by_id = EXCLUDED.updated_by_id, updated_at = EXCLUDED.updated_at
    RETURNING xmax = 0
"""


def _upsert(rows: list[tuple], *, by: User) -> tuple[int, int]:
    """Insert or replace (client, month, source, parcels, revenue) rows; (created, replaced).

    On PostgreSQL one statement takes the rows as arrays (`unnest`) and says per row whether it was new (`xmax = 0`):
    building 10,000 model instances and their parameters cost several times the database's own work. Elsewhere
    the ORM's `bulk_create(update_conflicts=True)` does the same in batches.
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*rows, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [by.pk, now, now, *columns])
            created = sum(1 for (new,) in cursor.fetchall() if new)
        return created, len(rows) - created
    keys = {(client_id, month, source) for client_id, month, source, *_rest in rows}
    existing = set(
        MonthlyVolume.objects.filter(
            client_id__in={k[0] for k in keys}, month__in={k[1] for k in keys}
        ).values_list("client_id", "month", "source")
    )
    MonthlyVolume.objects.bulk_create(
        [
            MonthlyVolume(client_id=c, month=m, source=s, parcels=p, revenue=r, updated_by=by)
            for c, m, s, p, r in rows
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["client", "month", "source"],
        update_fields=["parcels", "revenue", "updated_by", "updated_at"],
    )
    replaced = len(keys & existing)
    return len(rows) - replaced, replaced


def volumes_push(*, by: User, rows: list, today: datetime.date | None = None) -> FeedResult:
    """Store monthly volumes; rows that cannot be stored are reported, the others are saved in one transaction."""
    if by.role not in VOLUME_WRITERS:
        raise PermissionDenied(_("Your role may not send volumes."))
    if not isinstance(rows, list):
        raise ValidationError({"rows": [_("Send the rows as a list.")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            {
                "rows": [
                    _("At most %(max)s rows per call; this one has %(n)s. Send them in several calls.")
                    % {"max": f"{MAX_ROWS:,}", "n": f"{len(rows):,}"}
                ]
            }
        )
    today = today or timezone.localdate()
    result = FeedResult()
    parsed = []
    for index, raw in enumerate(rows):
        try:
            parsed.append((index, *_parse_row(raw, last_month=today.replace(day=1))))
        except ValidationError as exc:
            result.errors.append({"row": index, "detail": " ".join(exc.messages)})
    by_id, by_code = _clients_for(by, [row[1] for row in parsed])
    unknown = _("No client with this id or code in your scope.")
    seen: dict[tuple, int] = {}
    objs = []
    for index, (kind, value), month, source, parcels, revenue in parsed:
        target = (by_id if kind == "id" else by_code).get(value)
        if target is None:
            result.errors.append({"row": index, "detail": unknown})
            continue
        client_id, station_id = target
        key = (client_id, month, source)
        if key in seen:
            result.errors.append(
                {
                    "row": index,
                    "detail": _("Row %(row)s of this call has the same client, month and source.")
                    % {"row": seen[key]},
                }
            )
            continue
        seen[key] = index
        result.station_ids.add(station_id)
        objs.append((client_id, month, source, parcels, revenue))
    result.errors.sort(key=lambda error: error["row"])
    if not objs:
        return result
    with transaction.atomic():
        result.created, result.updated = _upsert(objs, by=by)
        # Tiers and the commitment check follow the new figures once they are committed.
        from .tasks import volumes_changed

        outbox.task_enqueue(task=volumes_changed, args=[sorted(result.station_ids), today.isoformat()])
    return result


def shortfalls_notify(*, station_ids: list[int], today: datetime.date) -> int:
    """Tell each owner of a signed client of these stations that shipped below its commitment for the last two
    complete months; once per client and month. Returns how many notifications were new."""
    from django.urls import reverse

    from accounts.services import notify

    from .selectors import shortfalls

    clients = Client.objects.active().filter(station_id__in=station_ids, owner__isnull=False)
    found = shortfalls(clients.values("pk"), today=today)
    sent = 0
    for client in clients.filter(pk__in=list(found)).select_related("owner"):
        months = found[client.pk]
        message = _("%(client)s shipped below its committed volume for two months running (%(months)s).") % {
            "client": client.name,
            "months": ", ".join(f"{m.month:%Y-%m}: {m.parcels}/{m.committed}" for m in months),
        }
        if notify(
            recipient=client.owner,
            kind="volume_shortfall",
            message=message,
            link=reverse("pipeline:client_detail", args=[client.pk]),
            dedupe_key=f"volume_shortfall:{client.pk}:{months[0].month:%Y-%m}",
        ):
            sent += 1
    return sent

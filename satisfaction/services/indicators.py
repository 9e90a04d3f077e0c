"""Service-quality readings (API, spreadsheet or page) and the early warnings they raise or clear.

A warning is about the latest reading of an indicator for a client: it opens when that reading is beyond the
indicator's threshold and clears, by itself, when a later reading is back within it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import INDICATOR_ADMINS, INDICATOR_WRITERS
from accounts.services import notify
from config import xlsx
from config.files import check_size
from pipeline.models import Client

from ..models import Direction, Indicator, IndicatorReading, IndicatorWarning, ReadingSource

MAX_ROWS = 5000
# Empty rows read on top of MAX_ROWS before a sheet counts as too long.
BLANK_ROWS = 1000

# The indicators every key account is watched on; administrators add others and tune the thresholds.
STANDARD_INDICATORS = [
    # code, Chinese name, English name, unit, direction, threshold
    ("on_time_rate", "准时率", "On-time rate", "%", Direction.HIGHER_IS_BETTER, "95"),
    ("damage_rate", "破损率", "Damage rate", "%", Direction.LOWER_IS_BETTER, "0.5"),
    ("loss_rate", "丢失率", "Loss rate", "%", Direction.LOWER_IS_BETTER, "0.1"),
    ("pickup_punctuality", "揽收准时率", "Pickup punctuality", "%", Direction.HIGHER_IS_BETTER, "95"),
    (
        "claim_resolution_days",
        "理赔处理天数",
        "Claim-resolution days",
        "days",
        Direction.LOWER_IS_BETTER,
        "7",
    ),
]


def ensure_standard_indicators() -> None:
    for position, (code, name, name_en, unit, direction, threshold) in enumerate(STANDARD_INDICATORS):
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit": unit,
                "direction": direction,
                "threshold": Decimal(threshold),
                "position": position,
            },
        )


def indicator_update(*, by: User, indicator: Indicator, **fields) -> Indicator:
    if not (by.is_authenticated and by.role in INDICATOR_ADMINS):
        raise PermissionDenied(_("Only administrators change indicator definitions."))
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    return indicator


@dataclass
class _Row:
    label: str
    client: Client
    indicator: Indicator
    day: dt.date
    value: Decimal


def _parse_day(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        return None


def _parse_value(raw) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    text = str(raw).strip().rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _clients_by_key(by: User, raws) -> tuple[dict, dict]:
    """Visible clients by id and by exact name (names that match two clients are ambiguous)."""
    ids, names = set(), set()
    for raw in raws:
        text = str(raw).strip() if raw is not None else ""
        if text.isdecimal():
            ids.add(int(text))
        elif text:
            names.add(text)
    visible = Client.objects.visible_to(by).active()
    by_id = {c.pk: c for c in visible.filter(pk__in=ids)} if ids else {}
    by_name: dict[str, list[Client]] = {}
    for client in visible.filter(name__in=names) if names else []:
        by_name.setdefault(client.name, []).append(client)
    return by_id, by_name


def _validate(by: User, rows: list[tuple[str, dict]], today: dt.date) -> list[_Row]:
    indicators = {i.code: i for i in Indicator.objects.filter(active=True)}
    by_id, by_name = _clients_by_key(by, [data.get("client") for _label, data in rows])
    errors, valid, seen = [], [], {}
    for label, data in rows:
        problems = []
        raw_client = data.get("client")
        text = str(raw_client).strip() if raw_client is not None else ""
        client = None
        if not text:
            problems.append(_("the client is missing"))
        elif text.isdecimal():
            client = by_id.get(int(text))
            if client is None:
                problems.append(_("no client %(id)s in your scope") % {"id": text})
        else:
            matches = by_name.get(text, [])
            if len(matches) == 1:
                client = matches[0]
            elif matches:
                problems.append(_("two clients are called “%(name)s”: use the client id") % {"name": text})
            else:
                problems.append(_("no client called “%(name)s” in your scope") % {"name": text})
        code = str(data.get("indicator") or "").strip()
        indicator = indicators.get(code)
        if indicator is None:
            problems.append(_("unknown indicator “%(code)s”") % {"code": code})
        day = _parse_day(data.get("day"))
        if day is None:
            problems.append(_("the date must look like 2026-03-31"))
        elif day > today:
            problems.append(_("the date %(day)s is in the future") % {"day": day.isoformat()})
        value = _parse_value(data.get("value"))
        if value is None:
            problems.append(_("the value must be a number"))
        elif value < 0:
            problems.append(_("the value cannot be negative"))
        elif indicator is not None and indicator.unit == "%" and value > 100:
            problems.append(_("a percentage cannot exceed 100"))
        elif abs(value) >= Decimal("1e9"):
            problems.append(_("the value is too large"))
        if not problems:
            key = (client.pk, indicator.pk, day)
            if key in seen:
                problems.append(_("the same client, indicator and day as %(other)s") % {"other": seen[key]})
            seen[key] = label
        if problems:
            errors.append(f"{label}: {'; '.join(problems)}.")
        else:
            valid.append(_Row(label, client, indicator, day, value.quantize(Decimal("0.001"))))
    if errors:
        raise ValidationError({"rows": errors})
    return valid


@transaction.atomic
def readings_record(*, by: User, rows: list[tuple[str, dict]], source: str, today: dt.date) -> dict[str, int]:
    """Record readings, all or nothing. `rows` are (label for messages, {client, indicator, day, value}).

    Returns {"created": n, "updated": m, "warnings_raised": k}.
    """
    if not (by.is_authenticated and by.role in INDICATOR_WRITERS):
        raise PermissionDenied(_("Your role does not post service-quality indicators."))
    if not rows:
        raise ValidationError({"rows": _("There is nothing to record.")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"rows": _("At most %(n)s readings at a time.") % {"n": MAX_ROWS}})
    valid = _validate(by, rows, today)
    existing = set(
        IndicatorReading.objects.filter(
            client_id__in={r.client.pk for r in valid},
            indicator_id__in={r.indicator.pk for r in valid},
            day__in={r.day for r in valid},
        ).values_list("client_id", "indicator_id", "day")
    )
    IndicatorReading.objects.bulk_create(
        [
            IndicatorReading(
                client=r.client,
                indicator=r.indicator,
                day=r.day,
                value=r.value,
                source=source,
                recorded_by=by,
            )
            for r in valid
        ],
        update_conflicts=True,
        unique_fields=["client", "indicator", "day"],
        update_fields=["value", "source", "recorded_by", "recorded_at"],
    )
    updated = sum(1 for r in valid if (r.client.pk, r.indicator.pk, r.day) in existing)
    raised = warnings_refresh(
        pairs={(r.client.pk, r.indicator.pk) for r in valid}, since=min(r.day for r in valid)
    )
    return {"created": len(valid) - updated, "updated": updated, "warnings_raised": raised}


def warnings_refresh(*, pairs: set[tuple[int, int]], since: dt.date) -> int:
    """Open, update or clear the warning of each (client, indicator) from its latest reading. Returns raised."""
    client_ids = {c for c, _i in pairs}
    indicator_ids = {i for _c, i in pairs}
    latest: dict[tuple[int, int], IndicatorReading] = {}
    for reading in (
        IndicatorReading.objects.filter(
            client_id__in=client_ids, indicator_id__in=indicator_ids, day__gte=since
        )
        .select_related("indicator")
        .order_by("-day")
    ):
        latest.setdefault((reading.client_id, reading.indicator_id), reading)
    open_warnings = {
        (w.client_id, w.indicator_id): w
        for w in IndicatorWarning.objects.open().filter(
            client_id__in=client_ids, indicator_id__in=indicator_ids
        )
    }
    raised = []
    for pair in sorted(pairs):
        reading = latest.get(pair)
        if reading is None:
            continue
        indicator = reading.indicator
        warning = open_warnings.get(pair)
        if indicator.breached_by(reading.value):
            if warning is None:
                raised.append(
                    IndicatorWarning.objects.create(
                        client_id=pair[0],
                        indicator=indicator,
                        raised_on=reading.day,
                        last_day=reading.day,
                        value=reading.value,
                        threshold=indicator.threshold,
                    )
                )
            elif warning.last_day != reading.day or warning.value != reading.value:
                IndicatorWarning.objects.filter(pk=warning.pk).update(
                    last_day=reading.day, value=reading.value
                )
        elif warning is not None:
            IndicatorWarning.objects.filter(pk=warning.pk).update(
                cleared_on=reading.day, last_day=reading.day, value=reading.value
            )
    if raised:
        _notify_owners(raised)
    return len(raised)


def _notify_owners(warnings: list[IndicatorWarning]) -> None:
    clients = Client.objects.in_bulk([w.client_id for w in warnings])
    for warning in warnings:
        client = clients[warning.client_id]
        if client.owner_id is None:
            continue
        indicator = warning.indicator
        notify(
            recipient=client.owner,
            kind="indicator_warning",
            message=_(
                "Early warning: %(client)s, %(indicator)s %(value)s %(unit)s (threshold %(threshold)s)."
            )
            % {
                "client": client.name,
                "indicator": indicator.name,
                "value": f"{warning.value.normalize():f}",
                "unit": indicator.unit,
                "threshold": f"{warning.threshold.normalize():f}",
            },
            link=reverse("satisfaction:client", args=[client.pk]),
            dedupe_key=f"indicator-warning:{warning.pk}",
            email=True,
        )


# --- Spreadsheets ---------------------------------------------------------------------------------------------

HEADERS = {
    "client": {"client", "client_id", "客户", "客户编号", "客户名称"},
    "indicator": {"indicator", "指标", "指标代码"},
    "day": {"day", "date", "日期"},
    "value": {"value", "数值", "值"},
}


def parse_indicator_sheet(file) -> list[tuple[str, dict]]:
    """The rows of an .xlsx upload as (\"Row n\", {client, indicator, day, value}); row n is the sheet's row.

    Read within bounds (config/xlsx.py): the upload's size, the zip's unpacked size and the sheet's declared
    dimension are checked before any row is read, and rows are streamed, at most MAX_ROWS of them kept."""
    check_size(file, field="file")
    file.seek(0)
    data = file.read(settings.UPLOAD_MAX_BYTES + 1)
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError({"file": _("This is not an .xlsx spreadsheet.")})
    try:
        rows = xlsx.read_rows(data, max_rows=MAX_ROWS + 1 + BLANK_ROWS)
        header = next(rows, (1, ()))[1]
        columns = {}
        for index, name in enumerate(header):
            key = str(name or "").strip().lower()
            for field, names in HEADERS.items():
                if key in names:
                    columns[field] = index
        missing = [field for field in HEADERS if field not in columns]
        if missing:
            raise ValidationError(
                {
                    "file": _("Row 1 must name the columns client, indicator, day and value; missing: %(m)s.")
                    % {"m": ", ".join(missing)}
                }
            )
        parsed = []
        for number, values in rows:
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            data = {field: values[i] if i < len(values) else None for field, i in columns.items()}
            parsed.append((_("Row %(n)s") % {"n": number}, data))
            if len(parsed) > MAX_ROWS:
                raise ValidationError({"file": _("At most %(n)s rows per upload.") % {"n": MAX_ROWS}})
    except ValidationError as exc:
        raise exc if hasattr(exc, "error_dict") else ValidationError({"file": exc.messages}) from None
    if not parsed:
        raise ValidationError({"file": _("The spreadsheet has no readings below its header row.")})
    return parsed


def readings_upload(*, by: User, file, today: dt.date) -> dict[str, int]:
    return readings_record(by=by, rows=parse_indicator_sheet(file), source=ReadingSource.UPLOAD, today=today)


def indicator_template() -> bytes:
    """A spreadsheet to fill in: the header row, an example, and the indicator codes on a second sheet."""
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "readings"
    xlsx.append_row(sheet, ["client", "indicator", "day", "value"])
    xlsx.append_row(sheet, [1, "on_time_rate", dt.date.today().isoformat(), 97.5])
    codes = workbook.create_sheet("indicators")
    xlsx.append_row(codes, ["code", "name", "unit", "threshold"])
    for indicator in Indicator.objects.filter(active=True):
        xlsx.append_row(codes, [indicator.code, indicator.name, indicator.unit, float(indicator.threshold)])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()

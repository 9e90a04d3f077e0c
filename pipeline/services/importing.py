"""Spreadsheet import and export of leads and clients.

An upload is read (xlsx with openpyxl; csv in UTF-8, UTF-8 with BOM or GBK), its header row matched to fields
(Chinese and English headers recognised, the user may change the mapping), previewed, then imported: every row is
validated with the same rules as the form, bad rows are reported with their row number and reason, and all the
good rows are written in one transaction with bulk inserts. Leads are built and matched by the capture's own
functions (leads.lead_build, matching.py); a lead whose collector already has that phone (the capture's rule) or
a client already present (same phone, or same name in the station) is skipped, so importing a file twice adds
nothing.
Large files run as a Celery task (pipeline/tasks.py) that reports progress on the ImportJob row.
"""

import csv
import io
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Area, Role, User
from accounts.roles import CLIENT_EDITORS, HISTORY_IMPORTERS, LEAD_COLLECTORS
from config import numbers, xlsx

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    Competitor,
    ImportJob,
    Lead,
    LeadCompetitor,
    LeadEvent,
)
from ..models.clients import CompanyType, ContactRole, Source
from ..models.imports import ImportKind, ImportStatus
from ..models.leads import LeadAction
from . import leads as lead_services
from . import screening, validation

# Above this many rows an import runs as a background task with a progress bar.
SYNC_MAX_ROWS = 300
PREVIEW_ROWS = 10
MAX_ROWS = 50_000
# Empty rows read on top of MAX_ROWS before a sheet counts as too long (blank lines between blocks of data).
BLANK_ROWS = 1000
MAX_REPORTED_ERRORS = 1000
EXPORT_MAX_ROWS = 50_000
# Empty rows read on top of MAX_ROWS before a sheet counts as too long (blank lines between blocks of data).
BLANK_ROWS = 1000
PROGRESS_EVERY = 500
BATCH = 500

OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")

# field -> header spellings recognised besides the field's own labels (English and Chinese).
ALIASES = {
    "company_name": [
        "公司名称",
        "客户名称",
        "企业名称",
        "单位名称",
        "公司",
        "客户",
        "商户名称",
        "店铺名称",
        "company",
        "customer",
    ],
    "name": [
        "公司名称",
        "客户名称",
        "企业名称",
        "单位名称",
        "公司",
        "客户",
        "商户名称",
        "company",
        "customer",
        "name",
    ],
    "contact_name": ["联系人", "联系人姓名", "姓名", "contact", "contact person"],
    "contact_title": ["职务", "职位", "联系人职务", "title", "position"],
    "contact_role": ["联系人角色", "角色", "role"],
    "contact_phone": [
        "联系电话",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "电话号码",
        "phone",
        "mobile",
        "tel",
        "telephone",
    ],
    "address": ["地址", "公司地址", "详细地址", "address"],
    "industry": ["行业", "所属行业", "industry"],
    "company_type": ["企业类型", "公司类型", "客户类型", "company type", "type"],
    "source": ["来源", "客户来源", "信息来源", "source"],
    "inbound_monthly": [
        "月进口件量",
        "进口件量",
        "月进件量",
        "进件量",
        "月收件量",
        "inbound",
        "inbound monthly",
    ],
    "outbound_monthly": [
        "月出口件量",
        "出口件量",
        "月发件量",
        "发件量",
        "出件量",
        "outbound",
        "outbound monthly",
    ],
    "our_monthly": ["我司月件量", "我司件量", "本司件量", "我方件量", "ours", "our monthly"],
    "needs": ["需求", "客户需求", "needs"],
    "notes": ["备注", "说明", "notes", "remarks", "comment"],
    "collected_at": ["收集时间", "采集时间", "收集日期", "日期", "collected at", "date"],
    "collected_by": ["收集人", "采集人", "揽投员", "collector", "collected by"],
    "area": ["片区", "所属片区", "area"],
}
LEAD_TARGETS = list(validation.LEAD_FIELDS)
HISTORY_TARGETS = ["collected_at", "collected_by"]
CLIENT_TARGETS = [
    "name",
    *validation.LEAD_FIELDS[1:],
    "area",
]  # a client's name is the lead's company_name
REQUIRED_TARGETS = {ImportKind.LEADS: ["company_name", "contact_phone"], ImportKind.CLIENTS: ["name"]}
COMPETITOR_PREFIX = "competitor:"
_FOLD = re.compile(r"[\W_]+", re.UNICODE)


def _fold(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    text = re.sub(r"[（(].*?[)）]", "", text)  # "(件/月)", "（必填）"
    return _FOLD.sub("", text)


# --- Reading files ----------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    # (spreadsheet row number, cell values) of every non-empty row below the header
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_table(upload, *, name: str = "") -> Table:
    """Read an .xlsx or .csv upload; ValidationError with a clear message when it cannot be read.

    Rows are streamed and counted as they come: at most MAX_ROWS rows below the header (and BLANK_ROWS empty
    ones) are ever held, whatever the file declares (config/xlsx.py)."""
    name = name or getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(max)s MB may be uploaded.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": f"{settings.UPLOAD_MAX_BYTES / 1024 / 1024:g}"}
        )
    upload.seek(0)
    data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    upload.seek(0)
    if not data.strip():
        raise ValidationError(_("The file is empty."))
    if data.startswith(OLE_SIGNATURE):
        if ENCRYPTED_MARKER in data:
            raise ValidationError(
                _("The workbook is password-protected. Remove the password in Excel and upload it again.")
            )
        raise ValidationError(
            _("This is an old Excel (.xls) file. Save it as .xlsx (Excel workbook) and upload it again.")
        )
    max_rows = MAX_ROWS + 1 + BLANK_ROWS
    if data.startswith(b"PK\x03\x04"):
        rows = xlsx.read_rows(data, max_rows=max_rows)
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ValidationError(_("The file is damaged: it is not a readable Excel workbook."))
    else:
        rows = itertools.islice(_read_csv(data), max_rows)
    header, body = None, []
    for number, values in rows:
        if not any(_cell_text(v) for v in values):
            continue
        if header is None:
            header = values
            continue
        if len(body) == MAX_ROWS:
            raise ValidationError(
                _("At most %(max)s rows per file; split the file.") % {"max": f"{MAX_ROWS:,}"}
            )
        body.append((number, values))
    if header is None:
        raise ValidationError(_("The file is empty."))
    headers = [_cell_text(h) for h in header]
    while headers and not headers[-1]:
        headers.pop()
    if not body:
        raise ValidationError(_("The file has a header row but no rows below it."))
    return Table(headers=headers, rows=body)


def _read_csv(data: bytes):
    if b"\x00" in data[:4096]:
        raise ValidationError(_("This is not a spreadsheet. Upload an .xlsx or .csv file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The file's text encoding is not UTF-8 or GBK. Save it as CSV UTF-8."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            yield number, row[: xlsx.MAX_COLUMNS]
    except csv.Error as exc:
        raise ValidationError(_("The CSV file cannot be read: %(error)s") % {"error": exc})


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Mapping ----------------------------------------------------------------------------------------------


def _verbose(kind: str, name: str):
    """The field's label (lazy); contact columns of a client sheet are labelled as on the lead form."""
    if name == "area":
        return Client._meta.get_field("area").verbose_name
    if name == "collected_by":
        return gettext_lazy("collected by (username)")
    model = Lead if kind == ImportKind.LEADS or name.startswith("contact_") else Client
    return model._meta.get_field(name).verbose_name


def targets_for(kind: str, user) -> list[tuple[str, str]]:
    """(target, label) a column may be mapped to, in the user's language."""
    if kind == ImportKind.LEADS:
        names = LEAD_TARGETS + (HISTORY_TARGETS if user.role in HISTORY_IMPORTERS else [])
    else:
        names = CLIENT_TARGETS
    out = [(name, str(_verbose(kind, name))) for name in names]
    for c in Competitor.objects.order_by("name"):
        out.append((f"{COMPETITOR_PREFIX}{c.pk}", _("%(name)s: parcels per month") % {"name": c.name}))
    return out


def _alias_index(kind: str) -> dict[str, str]:
    index = {}
    names = LEAD_TARGETS + HISTORY_TARGETS if kind == ImportKind.LEADS else CLIENT_TARGETS
    for name in names:
        spellings = [name, *ALIASES.get(name, [])]
        verbose = _verbose(kind, name)
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                spellings.append(str(verbose))
        for s in spellings:
            index.setdefault(_fold(s), name)
    return index


def guess_mapping(kind: str, headers: list[str], user) -> dict[str, str]:
    """Column index (str) -> target, from the header texts."""
    allowed = {t for t, _label in targets_for(kind, user)}
    index = _alias_index(kind)
    competitors = list(Competitor.objects.all())
    mapping, used = {}, set()
    for i, header in enumerate(headers):
        key = _fold(header)
        if not key:
            continue
        target = index.get(key)
        if target is None:
            for c in competitors:
                names = [_fold(c.name), _fold(c.short_name)] if c.short_name else [_fold(c.name)]
                short = _fold(c.name)[:2]
                if any(n and (key == n or key.startswith(n)) for n in names) or (
                    short and key.startswith(short)
                ):
                    target = f"{COMPETITOR_PREFIX}{c.pk}"
                    break
        if target and target in allowed and target not in used:
            mapping[str(i)] = target
            used.add(target)
    return mapping


def clean_mapping(kind: str, mapping: dict, headers: list[str], user) -> dict[str, str]:
    allowed = {t for t, _label in targets_for(kind, user)}
    out, used, errors = {}, set(), []
    for col, target in (mapping or {}).items():
        if not target:
            continue
        try:
            index = int(col)
        except (TypeError, ValueError):
            errors.append(_("Unknown column %(col)s.") % {"col": col})
            continue
        if not 0 <= index < len(headers):
            errors.append(_("Unknown column %(col)s.") % {"col": col})
            continue
        if target not in allowed:
            errors.append(_("“%(target)s” is not a field that can be imported.") % {"target": target})
            continue
        if target in used:
            errors.append(_("Two columns are mapped to the same field “%(target)s”.") % {"target": target})
            continue
        used.add(target)
        out[str(index)] = target
    missing = [t for t in REQUIRED_TARGETS[kind] if t not in used]
    if missing:
        labels = dict(targets_for(kind, user))
        errors.append(
            _("Map a column to each required field: %(fields)s.")
            % {"fields": ", ".join(labels[m] for m in missing)}
        )
    if errors:
        raise ValidationError({"mapping": errors})
    return out


# --- Upload and preview -----------------------------------------------------------------------------------


def _require_importer(kind: str, by: User) -> None:
    allowed = LEAD_COLLECTORS if kind == ImportKind.LEADS else CLIENT_EDITORS
    if not (by.is_authenticated and by.role in allowed):
        raise PermissionDenied(_("Your role may not import these records."))


def import_upload(*, by: User, kind: str, upload, mapping: dict | None = None) -> ImportJob:
    """Store an uploaded spreadsheet and guess its column mapping; bad files are refused with a message."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": [_("Choose leads or clients.")]})
    _require_importer(kind, by)
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    name = getattr(upload, "name", "upload")
    try:
        table = read_table(upload, name=name)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})
    job = ImportJob(
        kind=kind,
        original_name=name[:255],
        created_by=by,
        headers=table.headers,
        total_rows=len(table.rows),
        # Kept for the preview, so that a view of the import never reads the file again.
        sample=json.loads(json.dumps(table.rows[:PREVIEW_ROWS], cls=DjangoJSONEncoder)),
    )
    job.mapping = (
        clean_mapping(kind, mapping, table.headers, by) if mapping else guess_mapping(kind, table.headers, by)
    )
    job.file.save(f"upload{_extension(name)}", upload, save=False)  # under a random name (ImportJob.file)
    job.save()
    return job


def _extension(name: str) -> str:
    lower = name.lower()
    return ".xlsx" if lower.endswith(".xlsx") else ".csv"


def _open_table(job: ImportJob) -> Table:
    with job.file.open("rb") as f:
        return read_table(f, name=job.original_name)


def import_set_mapping(*, job: ImportJob, by: User, mapping: dict) -> ImportJob:
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already started."))
    job.mapping = clean_mapping(job.kind, mapping, job.headers, by)
    job.save(update_fields=["mapping"])
    return job


def preview(job: ImportJob) -> dict:
    """The first rows as they would be imported, with their errors, and the mapping in use."""
    importer = _importer(job)
    sample = [(number, values) for number, values in job.sample]
    checked = importer.validate_rows(sample)
    rows = []
    for (number, values), result in zip(sample, checked, strict=True):
        rows.append({"row": number, "values": [_cell_text(v) for v in values], "errors": result.errors})
    labels = dict(targets_for(job.kind, job.created_by))
    return {
        "headers": job.headers,
        "mapping": job.mapping,
        "mapped": [
            (int(col), labels.get(target, target))
            for col, target in sorted(job.mapping.items(), key=lambda kv: int(kv[0]))
        ],
        "rows": rows,
        "total_rows": job.total_rows,
        "sample_errors": sum(1 for r in rows if r["errors"]),
    }


# --- Running ----------------------------------------------------------------------------------------------


@dataclass
class RowResult:
    number: int
    data: dict | None = None
    errors: list[dict] = field(default_factory=list)
    duplicate: bool = False


class _Importer:
    kind: str

    def __init__(self, job: ImportJob):
        self.job = job
        self.by = job.created_by
        self.mapping = {int(col): target for col, target in job.mapping.items()}
        self.competitors = {c.pk: c for c in Competitor.objects.all()}

    def _raw(self, values: list) -> tuple[dict, list]:
        raw, volumes = {}, []
        for col, target in self.mapping.items():
            value = values[col] if col < len(values) else None
            if target.startswith(COMPETITOR_PREFIX):
                if _cell_text(value):
                    volumes.append(
                        {
                            "competitor": self.competitors[int(target[len(COMPETITOR_PREFIX) :])],
                            "monthly": value,
                        }
                    )
            else:
                raw[target] = value
        return raw, volumes

    @staticmethod
    def _errors(number: int, exc: ValidationError, model) -> list[dict]:
        out = []
        for name, messages in exc.message_dict.items():
            try:
                label = str(model._meta.get_field(name).verbose_name)
            except Exception:
                label = {
                    "competitors": _("competitors"),
                    "collected_by": _("collected by"),
                    "area": _("area"),
                }.get(name, "")
            for message in messages:
                out.append({"row": number, "field": label, "message": message})
        return out


def _choice_index(choices) -> dict[str, str]:
    index = {}
    for value, label in choices:
        index[_fold(value)] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                index[_fold(str(label))] = value
    return index


# Spellings met in the field's own spreadsheets, besides the labels of both languages.
COMPANY_TYPE_ALIASES = {
    "成熟企业": CompanyType.MATURE,
    "国企": CompanyType.MATURE,
    "初创企业": CompanyType.STARTUP,
    "政府": CompanyType.GOVERNMENT,
    "政府机关": CompanyType.GOVERNMENT,
    "事业单位": CompanyType.GOVERNMENT,
    "民企": CompanyType.PRIVATE,
    "私营企业": CompanyType.PRIVATE,
    "个体": CompanyType.SHOP,
    "个体户": CompanyType.SHOP,
    "个体商户": CompanyType.SHOP,
    "电商": CompanyType.ECOMMERCE,
    "电商卖家": CompanyType.ECOMMERCE,
    "网店": CompanyType.ECOMMERCE,
}
SOURCE_ALIASES = {
    "11183": Source.HOTLINE_11183,
    "热线": Source.HOTLINE_11183,
    "11183热线": Source.HOTLINE_11183,
    "转介绍": Source.REFERRAL,
    "客户推荐": Source.REFERRAL,
    "揽投": Source.COURIER_ROUTE,
    "揽投路线": Source.COURIER_ROUTE,
    "网络": Source.WEB,
    "展会": Source.EXHIBITION,
    "市场调查": Source.MARKET_SURVEY,
    "竞争对手": Source.COMPETITOR,
}
ROLE_ALIASES = {
    "决策人": ContactRole.DECISION_MAKER,
    "关键决策人": ContactRole.DECISION_MAKER,
    "内线": ContactRole.INSIDER,
    "采购": ContactRole.PURCHASING,
}


class _ChoiceReader:
    def __init__(self):
        self.indexes = {
            "company_type": {
                **_choice_index(CompanyType.choices),
                **{_fold(k): v for k, v in COMPANY_TYPE_ALIASES.items()},
            },
            "source": {**_choice_index(Source.choices), **{_fold(k): v for k, v in SOURCE_ALIASES.items()}},
            "contact_role": {
                **_choice_index(ContactRole.choices),
                **{_fold(k): v for k, v in ROLE_ALIASES.items()},
            },
        }

    def read(self, raw: dict) -> None:
        """Turn labels ("电商卖家", "E-commerce seller") into codes; unknown values stay for the validator."""
        for name, index in self.indexes.items():
            value = raw.get(name)
            if value is not None and _cell_text(value):
                raw[name] = index.get(_fold(value), _cell_text(value))


def _parse_datetime(value, tz):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, tz)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(12, 0)), tz)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ):
        try:
            return timezone.make_aware(datetime.strptime(text, fmt), tz)
        except ValueError:
            continue
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return timezone.make_aware(datetime.combine(datetime.strptime(text, fmt).date(), time(12, 0)), tz)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, tz)
    except ValueError:
        raise ValidationError(
            {
                "collected_at": [
                    _("“%(value)s” is not a date (use 2025-03-01 or 2025-03-01 09:30).") % {"value": text}
                ]
            }
        )


class LeadImporter(_Importer):
    kind = ImportKind.LEADS

    def __init__(self, job):
        super().__init__(job)
        self.choices = _ChoiceReader()
        self.history = self.by.role in HISTORY_IMPORTERS
        people = User.objects.visible_to(self.by).filter(is_active=True).select_related("station", "area")
        if self.by.role == Role.STATION_MASTER:
            people = people.filter(station_id=self.by.station_id)
        self.people = {}
        for person in people:
            self.people.setdefault(_fold(person.username), person)
            if person.display_name:
                self.people.setdefault(_fold(person.display_name), person)
        self.default_collector = User.objects.select_related("station", "area").get(pk=self.by.pk)

    def check(self) -> None:
        has_collector_column = "collected_by" in self.mapping.values()
        if self.default_collector.station_id is None and not (self.history and has_collector_column):
            raise ValidationError(
                _("You belong to no station: map a “collected by” column naming who collected each lead.")
            )

    def validate_rows(self, rows) -> list[RowResult]:
        results = []
        for number, values in rows:
            results.append(self.validate_row(number, values))
        return results

    def validate_row(self, number: int, values: list) -> RowResult:
        raw, volumes = self._raw(values)
        self.choices.read(raw)
        errors = {}
        try:
            fields = validation.clean_lead_fields(raw)
        except ValidationError as exc:
            fields = None
            errors.update(exc.message_dict)
        try:
            competitors = validation.clean_competitors(volumes)
        except ValidationError as exc:
            competitors = None
            errors.update(exc.message_dict)
        collector, when = self.default_collector, None
        if self.history:
            name = _cell_text(raw.get("collected_by"))
            if name:
                collector = self.people.get(_fold(name))
                if collector is None:
                    errors["collected_by"] = [_("Nobody called “%(name)s” in your scope.") % {"name": name}]
            if collector is not None:
                try:
                    when = _parse_datetime(
                        raw.get("collected_at"),
                        collector.station.tz if collector.station_id else timezone.get_current_timezone(),
                    )
                    collector, when = lead_services.collector_and_time(
                        by=self.by, collected_by=collector, collected_at=when
                    )
                except ValidationError as exc:
                    errors.update(exc.message_dict)
        if errors:
            return RowResult(number, errors=self._errors(number, ValidationError(errors), Lead))
        return RowResult(
            number, data={"fields": fields, "competitors": competitors, "collector": collector, "when": when}
        )

    def write(self, results: list[RowResult]) -> int:
        """Skip the rows whose collector already has a lead with that phone (the capture's rule: one collector
        counts one phone once, so importing a file twice adds nothing), then bulk-insert the rest, built as
        the capture builds a lead, in one transaction."""
        from quota.tallies import record_leads

        present = lead_services.own_repeats(
            (r.data["collector"].pk, r.data["fields"]["phone_normalized"]) for r in results
        )
        now = timezone.now()
        fresh = []
        for r in results:
            f, collector = r.data["fields"], r.data["collector"]
            key = (collector.pk, f["phone_normalized"])
            if key in present:
                r.duplicate = True
                continue
            present.add(key)
            lead = lead_services.lead_build(
                by=self.by, collector=collector, when=r.data["when"] or now, fields=f, import_job=self.job
            )
            fresh.append((lead, r.data["competitors"]))
        with transaction.atomic():
            leads = Lead.objects.bulk_create([lead for lead, _c in fresh], batch_size=BATCH)
            LeadCompetitor.objects.bulk_create(
                [
                    LeadCompetitor(lead=lead, competitor=c, monthly=m)
                    for lead, comps in fresh
                    for c, m in comps
                ],
                batch_size=BATCH,
            )
            LeadEvent.objects.bulk_create(
                [LeadEvent(lead=lead, action=LeadAction.SUBMITTED, by=self.by, at=now) for lead in leads],
                batch_size=BATCH,
            )
            record_leads(leads)
        return len(leads)


class ClientImporter(_Importer):
    kind = ImportKind.CLIENTS

    def __init__(self, job):
        super().__init__(job)
        self.choices = _ChoiceReader()
        self.areas = {}
        for area in Area.objects.visible_to(self.by).select_related("station"):
            self.areas.setdefault(_fold(area.name), area)
        me = User.objects.select_related("station", "area").get(pk=self.by.pk)
        self.default_area = me.area
        self.default_station = me.station

    def check(self) -> None:
        if self.default_station is None and "area" not in self.mapping.values():
            raise ValidationError(
                _("You belong to no station: map an “area” column saying where each client belongs.")
            )

    def validate_rows(self, rows) -> list[RowResult]:
        return [self.validate_row(number, values) for number, values in rows]

    def validate_row(self, number: int, values: list) -> RowResult:
        raw, volumes = self._raw(values)
        self.choices.read(raw)
        errors = {}
        try:
            fields = validation.clean_client_fields(raw)
        except ValidationError as exc:
            fields = None
            errors.update(exc.message_dict)
        contact = {
            "name": raw.get("contact_name") or "",
            "title": raw.get("contact_title") or "",
            "role": raw.get("contact_role") or "",
            "phone": raw.get("contact_phone") or "",
        }
        contacts = []
        if any(_cell_text(v) for v in contact.values()):
            if not _cell_text(contact["name"]):
                contact["name"] = _cell_text(raw.get("name"))
            try:
                contacts = validation.clean_contacts([contact])
            except ValidationError as exc:
                errors["contact_phone"] = [m.split(": ", 1)[-1] for m in exc.messages]
        try:
            competitors = validation.clean_competitors(volumes)
        except ValidationError as exc:
            competitors = None
            errors.update(exc.message_dict)
        area_name = _cell_text(raw.get("area"))
        area, station = self.default_area, self.default_station
        if area_name:
            area = self.areas.get(_fold(area_name))
            if area is None:
                errors["area"] = [_("No area called “%(name)s” in your scope.") % {"name": area_name}]
            else:
                station = area.station
        if errors:
            return RowResult(number, errors=self._errors(number, ValidationError(errors), Client))
        return RowResult(
            number,
            data={
                "fields": fields,
                "contacts": contacts,
                "competitors": competitors,
                "area": area,
                "station": station,
            },
        )

    def write(self, results: list[RowResult]) -> int:
        phones = sorted(
            {c["phone_normalized"] for r in results for c in r.data["contacts"] if c["phone_normalized"]}
        )
        names = sorted({r.data["fields"]["normalized_name"] for r in results})
        known_phones, known_names = set(), set()
        for i in range(0, len(phones), BATCH):
            chunk = phones[i : i + BATCH]
            for p1, p2 in ClientContact.objects.filter(
                Q(phone_normalized__in=chunk) | Q(phone2_normalized__in=chunk),
                client__merged_into__isnull=True,
            ).values_list("phone_normalized", "phone2_normalized"):
                known_phones |= {p1, p2}
        for i in range(0, len(names), BATCH):
            known_names |= set(
                Client.objects.active()
                .filter(normalized_name__in=names[i : i + BATCH])
                .values_list("normalized_name", "station_id")
            )
        month = timezone.localdate().replace(day=1)
        fresh = []
        for r in results:
            f, station = r.data["fields"], r.data["station"]
            row_phones = {c["phone_normalized"] for c in r.data["contacts"]} - {""}
            if (f["normalized_name"], station.pk) in known_names or row_phones & known_phones:
                r.duplicate = True
                continue
            known_names.add((f["normalized_name"], station.pk))
            known_phones |= row_phones
            client = Client(
                **f,
                station=station,
                area=r.data["area"],
                created_by=self.by,
                collected_by=self.by,
                import_job=self.job,
            )
            fresh.append((client, r))
        with transaction.atomic():
            clients = Client.objects.bulk_create([c for c, _r in fresh], batch_size=BATCH)
            ClientContact.objects.bulk_create(
                [ClientContact(client=c, **contact) for c, r in fresh for contact in r.data["contacts"]],
                batch_size=BATCH,
            )
            ClientCompetitorVolume.objects.bulk_create(
                [
                    ClientCompetitorVolume(
                        client=c, competitor=comp, month=month, monthly=m, recorded_by=self.by
                    )
                    for c, r in fresh
                    for comp, m in r.data["competitors"]
                ],
                batch_size=BATCH,
            )
            prices = {}
            for c, r in fresh:
                c.competitor_monthly_total = sum(m for _comp, m in r.data["competitors"])
                if c.station_id not in prices:
                    prices[c.station_id] = screening.average_price_for(c.station_id)
                c._prefetched_objects_cache = {
                    "contacts": [ClientContact(**contact) for contact in r.data["contacts"]]
                }
                result = screening.assess(c, average_price=prices[c.station_id])
                c.expected_revenue, c.difficulty, c.priority_score = (
                    result.expected_revenue,
                    result.difficulty,
                    result.priority_score,
                )
            Client.objects.bulk_update(
                clients,
                ["competitor_monthly_total", "expected_revenue", "difficulty", "priority_score"],
                batch_size=BATCH,
            )
        return len(clients)


def _importer(job: ImportJob) -> _Importer:
    return LeadImporter(job) if job.kind == ImportKind.LEADS else ClientImporter(job)


def _progress(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def claim(job_id: int) -> bool:
    """Mark a queued (or freshly mapped) import as running; False when another worker got there first."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.UPLOADED, ImportStatus.QUEUED]).update(
            status=ImportStatus.RUNNING, processed_rows=0
        )
    )


def run_import(*, job_id: int) -> ImportJob:
    """Validate every row (reporting progress), then import the good rows in one transaction. Safe to call twice:
    only the call that claims the job runs it."""
    if not claim(job_id):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        _require_importer(job.kind, job.created_by)
        table = _open_table(job)
        importer = _importer(job)
        importer.check()
        _progress(job, total_rows=len(table.rows))
        results = []
        for start in range(0, len(table.rows), PROGRESS_EVERY):
            results += importer.validate_rows(table.rows[start : start + PROGRESS_EVERY])
            # Validation is most of the work; the write below is one transaction reported at the end.
            _progress(job, processed_rows=min(len(table.rows), start + PROGRESS_EVERY) * 9 // 10)
        good = [r for r in results if r.data is not None]
        errors = [e for r in results for e in r.errors]
        created = importer.write(good) if good else 0
        _progress(
            job,
            status=ImportStatus.DONE,
            processed_rows=len(table.rows),
            created_count=created,
            duplicate_count=sum(1 for r in good if r.duplicate),
            error_count=sum(1 for r in results if r.errors),
            errors=errors[:MAX_REPORTED_ERRORS],
            finished_at=timezone.now(),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        _progress(job, status=ImportStatus.FAILED, failure=" ".join(messages), finished_at=timezone.now())
    # The spreadsheet has served its purpose: what it held is now rows of the database or the report.
    job.file.delete(save=False)
    _progress(job, file="")
    return job


def import_start(*, job: ImportJob, by: User, mapping: dict | None = None) -> ImportJob:
    """Start an uploaded import: small files at once, large ones as a background task."""
    if job.created_by_id != by.pk and by.role != Role.ADMIN:
        raise PermissionDenied(_("Only the person who uploaded the file starts its import."))
    if mapping is not None:
        import_set_mapping(job=job, by=by, mapping=mapping)
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already started."))
    clean_mapping(job.kind, job.mapping, job.headers, job.created_by)
    if job.total_rows <= SYNC_MAX_ROWS:
        return run_import(job_id=job.pk)
    from outbox import services as outbox

    from ..tasks import run_import_job

    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(status=ImportStatus.QUEUED)
    job.status = ImportStatus.QUEUED
    outbox.task_enqueue(task=run_import_job, args=[job.pk])
    return job


# --- Export -----------------------------------------------------------------------------------------------

LEAD_EXPORT = [
    "id",
    "company_name",
    "contact_name",
    "contact_title",
    "contact_phone",
    "address",
    "industry",
    "company_type",
    "source",
    "inbound_monthly",
    "outbound_monthly",
    "our_monthly",
    "needs",
    "notes",
    "collected_by",
    "collected_at",
    "collected_on",
    "area",
    "status",
    "status_reason",
    "client",
]
CLIENT_EXPORT = [
    "id",
    "name",
    "stage",
    "tier",
    "area",
    "owner",
    "address",
    "industry",
    "company_type",
    "source",
    "inbound_monthly",
    "outbound_monthly",
    "our_monthly",
    "competitor_monthly_total",
    "expected_revenue",
    "difficulty",
    "priority_score",
    "needs",
    "notes",
]


# Headers of columns whose field has no words of its own (a relation named by its model): in the reader's
# language like every other header, since exports are read in Chinese too.
EXPORT_HEADERS = {"id": gettext_lazy("No."), "area": gettext_lazy("area"), "client": gettext_lazy("client")}
# Columns in money, formatted as the pages write it.
EXPORT_MONEY = {"expected_revenue"}


def _export_header(model, name) -> str:
    return str(EXPORT_HEADERS.get(name) or model._meta.get_field(name).verbose_name)


# How a related row reads in a cell (its __str__), from the columns `values()` brings along.
_RELATED_TEXT = {
    User: (("display_name", "username"), lambda display_name, username: display_name or username),
    Area: (("name",), str),
    Client: (("name",), str),
}


def _export_reader(model, name, keys: list[str]):
    """What the column `name` reads from a row of `values(*keys)`: appends the keys it needs and returns a function
    of the row giving the cell's value (a choice's label, a related row's name, a local datetime, a float for a
    decimal), the same as the field reads on an instance."""
    field = model._meta.get_field(name)
    at = len(keys)
    if field.is_relation:
        columns, text = _RELATED_TEXT[field.related_model]
        keys.extend(f"{name}__{c}" for c in columns)
        if len(columns) == 1:
            return lambda row: "" if row[at] is None else text(row[at])
        return lambda row: "" if row[at + 1] is None else text(row[at], row[at + 1])
    keys.append(name)
    if field.choices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda row: "" if row[at] in (None, "") else labels.get(row[at], row[at])
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_current_timezone()
        return lambda row: None if row[at] is None else row[at].astimezone(zone).replace(tzinfo=None)
    if isinstance(field, models.DecimalField):
        return lambda row: None if row[at] is None else float(row[at])
    return lambda row: row[at]


def export_xlsx(queryset, kind: str) -> bytes:
    """The rows of a filtered list as an .xlsx workbook (headers in the user's language, which import reads back).
    The rows are read as tuples of their columns and written straight to the sheet (config/xlsx.write_table):
    no model instance and no cell object per value."""
    model = Lead if kind == ImportKind.LEADS else Client
    columns = LEAD_EXPORT if kind == ImportKind.LEADS else CLIENT_EXPORT
    if queryset.count() > EXPORT_MAX_ROWS:
        raise ValidationError(
            _("At most %(max)s rows can be exported at once; narrow the filter.")
            % {"max": f"{EXPORT_MAX_ROWS:,}"}
        )
    keys: list[str] = []
    readers = [_export_reader(model, c, keys) for c in columns]
    rows = queryset.prefetch_related(None).values_list(*keys).iterator(chunk_size=2000)
    # Every string a text cell: a company named "=HYPERLINK(...)" must not become a formula (config/xlsx.py).
    return xlsx.write_table(
        str(model._meta.verbose_name_plural),
        itertools.chain(
            [[_export_header(model, c) for c in columns]],
            ([read(row) for read in readers] for row in rows),
        ),
        formats={i: numbers.XLSX_MONEY for i, c in enumerate(columns) if c in EXPORT_MONEY},
    )

"""Demo data at scale: `seed_demo --scale station` (one busy station) and `--scale province` (100 stations,
1,000 areas, 10,000 couriers, a year of history: about 3 million leads, clients at every step of the loop,
stage history, contracts, visits, competitor volumes, the daily tallies, evaluated station days and miss flags).

Everything is generated in memory station by station and written with PostgreSQL's COPY (other databases:
large `bulk_create` batches). The daily tallies, station days and flags are filled from the same generated
leads, exactly as the live code paths would have left them, so no evaluation has to replay a year afterwards.
On PostgreSQL the secondary indexes of the big tables are dropped for the load and rebuilt once at the end,
inside the same transaction: a failed load leaves nothing behind.
"""

import datetime
import io
import itertools
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Area, Company, Role, Station, User
from dashboard import rollup
from demo.organisation import DEMO_PASSWORD
from pipeline.models import Client, ClientCompetitorVolume, Competitor, Lead, StageChange
from pipeline.models.loop import LOOP, Contract, DropReason, Stage
from pipeline.services import screening, tally, transitions
from pipeline.services.normalize import normalize_company_name
from quota.calendar import entry_for
from quota.models import DailyTally, QuotaFlag, QuotaSettings, StationDay
from visits.models import VisitPlan, VisitRecord


@dataclass(frozen=True)
class Scale:
    name: str
    stations: int
    areas_per_station: int
    couriers_per_area: int
    days: int
    code_prefix: str


PROVINCE = Scale(
    "province", stations=100, areas_per_station=10, couriers_per_area=10, days=365, code_prefix="P"
)
STATION = Scale("station", stations=1, areas_per_station=8, couriers_per_area=14, days=365, code_prefix="S")

DISTRICTS = "浦东 黄浦 静安 徐汇 长宁 普陀 虹口 杨浦 闵行 宝山 嘉定 金山 松江 青浦 奉贤 崇明 昆山 太仓 嘉善 吴江".split()
WORDS = "鑫源 华通 恒泰 宏达 永盛 金诚 瑞丰 天和 新元 汇丰 安信 众合 联创 博远 德润 嘉禾 凯旋 顺意 兴业 东方".split()
TRADES = "电子商务 服饰 贸易 食品 医疗器械 五金 文具 家居 母婴 化妆品 汽配 印刷 茶叶 电子 物资 建材 图书 礼品".split()
SUFFIXES = ["有限公司", "股份有限公司", "商行", "有限责任公司"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
MOBILE_PREFIXES = ["138", "139", "136", "150", "151", "158", "186", "187", "188", "135"]
SOURCES = ["courier_route"] * 6 + [
    "hotline_11183",
    "referral",
    "exhibition",
    "web",
    "market_survey",
    "competitor",
]
# Where clients stand after a year: most never get past the first steps, a few are signed and maintained.
STAGE_WEIGHTS = {
    Stage.COLLECT: 26,
    Stage.SCREEN: 18,
    Stage.SURVEY: 10,
    Stage.NEEDS: 8,
    Stage.PROPOSAL: 7,
    Stage.VISIT: 6,
    Stage.TRIAL_SHIPMENT: 4,
    Stage.CONTRACT: 3,
    Stage.FOLLOW_UP: 6,
    Stage.ARCHIVE: 2,
    Stage.DROPPED: 10,
}
SIGNED = {Stage.CONTRACT, Stage.FOLLOW_UP, Stage.ARCHIVE}
BATCH = 20_000


def seed_station(*, stdout, seed: int) -> None:
    _seed(STATION, stdout=stdout, seed=seed)


def seed_province(*, stdout, seed: int) -> None:
    _seed(PROVINCE, stdout=stdout, seed=seed)


# --- Writing ---------------------------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class Table:
    """Rows of one model given as tuples of `columns`; every other column takes the model's default."""

    def __init__(self, writer, model, columns: list[str]):
        self.writer, self.model, self.columns = writer, model, columns
        fields = {f.attname: f for f in model._meta.concrete_fields}
        now = timezone.now()
        self.rest = {}
        for name, field in fields.items():
            if name in columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.rest[name] = now
            elif field.has_default():
                self.rest[name] = field.get_default()
            elif field.null:
                self.rest[name] = None
            elif field.blank and isinstance(field, models.CharField | models.TextField | models.FileField):
                self.rest[name] = ""
            else:
                raise ValueError(f"{model.__name__}.{name} needs a value")
        self.db_columns = [fields[c].column for c in columns] + [fields[c].column for c in self.rest]
        self.suffix = "".join("\t" + _copy_text(v) for v in self.rest.values())
        self.rows = []
        self.count = 0
        self._next_id = None

    def ids(self, n: int) -> range:
        """`n` fresh primary keys (the rows are written with explicit ids; the sequence is moved on at the end)."""
        if self._next_id is None:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT MAX("id") FROM "{self.model._meta.db_table}"')
                self._next_id = (cursor.fetchone()[0] or 0) + 1
        first = self._next_id
        self._next_id += n
        return range(first, first + n)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.count += len(self.rows)
        if self.writer.postgres:
            buffer = io.StringIO()
            suffix = self.suffix
            for row in self.rows:
                buffer.write("\t".join([_copy_text(v) for v in row]))
                buffer.write(suffix)
                buffer.write("\n")
            buffer.seek(0)
            columns = ", ".join(f'"{c}"' for c in self.db_columns)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN', buffer
                )
        else:
            objects = [
                self.model(**dict(zip(self.columns, row, strict=True)), **self.rest) for row in self.rows
            ]
            self.model.objects.bulk_create(objects, batch_size=2000)
        self.rows = []


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.tables: dict = {}

    def table(self, model, columns: list[str]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(self, model, columns)
        return self.tables[model]

    def finish(self) -> None:
        for table in self.tables.values():
            table.flush()
        if self.postgres:
            with connection.cursor() as cursor:
                for model in self.tables:
                    t = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                        f'(SELECT COALESCE(MAX("id"), 1) FROM "{t}"))'
                    )


class DeferredIndexes:
    """PostgreSQL: drop the secondary indexes of the big tables for the load, rebuild them afterwards.

    Indexes behind constraints (primary keys, unique constraints) stay: the load must respect them anyway.
    """

    def __init__(self, models_):
        self.tables = [m._meta.db_table for m in models_]
        self.definitions = []

    def __enter__(self):
        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    """SELECT i.indexname, i.indexdef FROM pg_indexes i
                       WHERE i.tablename = %s AND i.schemaname = current_schema()
                       AND i.indexname NOT IN (
                           SELECT c.conname FROM pg_constraint c WHERE c.conrelid = %s::regclass)""",
                    [table, table],
                )
                for name, definition in cursor.fetchall():
                    self.definitions.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.definitions:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in self.definitions:
                cursor.execute(definition)
        return False


def _without_trigger_checks():
    """Skip the per-row foreign-key triggers while loading rows whose keys were just generated (superuser only)."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True
    except Exception:  # not a superuser: the checks simply run
        return False


# --- Generating ------------------------------------------------------------------------------------------


class Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones = itertools.count(rng.randrange(10_000_000))

    def company(self) -> tuple[str, str]:
        r = self.rng
        name = f"{r.choice(DISTRICTS)}{r.choice(WORDS)}{r.choice(TRADES)}{r.randrange(1, 999)}{r.choice(SUFFIXES)}"
        return name, normalize_company_name(name)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))

    def phone(self) -> tuple[str, str]:
        number = f"{self.rng.choice(MOBILE_PREFIXES)}{next(self.phones) % 100_000_000:08d}"
        # What normalize_phone gives for a mainland mobile number, spelled out: parsing 3 million numbers with
        # phonenumbers would add over two minutes to the load (tests/test_dashboard_demo.py checks a sample).
        return number, "+86" + number


def _at(day: datetime.date, tz, rng: random.Random, first_hour=8, last_hour=19) -> datetime.datetime:
    return datetime.datetime.combine(
        day,
        datetime.time(rng.randrange(first_hour, last_hour), rng.randrange(60), rng.randrange(60)),
        tzinfo=tz,
    )


def _seed(scale: Scale, *, stdout, seed: int) -> None:
    first_code = f"{scale.code_prefix}001"
    if Station.objects.filter(code=first_code).exists():
        stdout.write(f"The {scale.name}-scale demo data is already loaded (station {first_code}).")
        return
    started = time.monotonic()
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=scale.days - 1 - i) for i in range(scale.days)]
    # Every demo station keeps the default work calendar, in force for the whole year of history.
    rule = QuotaSettings(starts_on=days[0])
    working = {d: entry_for(d, rule, None).working for d in days}
    password = make_password(DEMO_PASSWORD)
    big = [Lead, DailyTally, Client, StageChange, VisitRecord, VisitPlan, Contract, ClientCompetitorVolume]
    with transaction.atomic():
        replica = _without_trigger_checks()
        with DeferredIndexes(big):
            writer = Writer()
            org = _seed_org(scale, today=today, start=days[0], password=password)
            QuotaSettings.objects.bulk_create(
                [QuotaSettings(station=s["station"], starts_on=days[0]) for s in org], ignore_conflicts=True
            )
            stdout.write(
                f"{scale.name}: {len(org)} stations, {sum(len(s['areas']) for s in org)} areas, "
                f"{sum(len(s['quota_people']) for s in org)} people on the quota "
                f"({time.monotonic() - started:.0f} s)"
            )
            competitors = list(Competitor.objects.values_list("pk", flat=True)) or [
                Competitor.objects.create(name=name).pk
                for name in ("顺丰速运", "中通快递", "圆通速递", "韵达快递")
            ]
            for i, station in enumerate(org, start=1):
                rng = random.Random(seed * 10_007 + i)
                _seed_history(
                    writer, station, days=days, working=working, today=today, rng=rng, competitors=competitors
                )
                if i % 10 == 0 or i == len(org):
                    leads = writer.tables[Lead].count + len(writer.tables[Lead].rows)
                    stdout.write(
                        f"  {i}/{len(org)} stations, {leads:,} leads ({time.monotonic() - started:.0f} s)"
                    )
            writer.finish()
            stdout.write(f"Rebuilding indexes ({time.monotonic() - started:.0f} s)")
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
    stdout.write(f"Rolling up the network totals ({time.monotonic() - started:.0f} s)")
    rollup.refresh_totals(today=today, since=days[0])
    transitions.step_totals_recount()  # the stage changes were written around transitions.move()
    tally.loop_tally_rebuild()  # the clients were written with the triggers off
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Fresh statistics for the planner and an up-to-date visibility map, so that the covering indexes
        # are read without touching the tables.
        with connection.cursor() as cursor:
            for model in [*big, User, QuotaFlag, StationDay]:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    counts = ", ".join(f"{t.count:,} {m._meta.db_table}" for m, t in writer.tables.items())
    stdout.write(f"Loaded {counts} in {time.monotonic() - started:.0f} s.")
    stdout.write(
        f"Log in as {scale.code_prefix.lower()}001master (station master), {scale.code_prefix.lower()}001a01mgr "
        f"(area manager) or {scale.name}_exec (executive); password {DEMO_PASSWORD}."
    )


def _seed_org(scale: Scale, *, today, start, password) -> list[dict]:
    company, _ = Company.objects.get_or_create(name="揽投快递")
    prefix = scale.code_prefix
    stations = Station.objects.bulk_create(
        [
            Station(
                company=company,
                name=f"{DISTRICTS[(i - 1) % len(DISTRICTS)]}第{i}揽投站",
                code=f"{prefix}{i:03d}",
            )
            for i in range(1, scale.stations + 1)
        ]
    )
    stations = list(Station.objects.filter(code__startswith=prefix).order_by("code"))
    Area.objects.bulk_create(
        [Area(station=s, name=f"第{j}片区") for s in stations for j in range(1, scale.areas_per_station + 1)]
    )
    areas = {}
    for area in Area.objects.filter(station__in=stations).order_by("station_id", "pk"):
        areas.setdefault(area.station_id, []).append(area)
    rng = random.Random(len(stations))
    names = Names(rng)
    people = [
        User(
            username=f"{scale.name}_exec",
            display_name="总部 领导",
            role=Role.EXECUTIVE,
            password=password,
            date_joined=start,
        )
    ]
    for s in stations:
        code = s.code.lower()
        people.append(
            User(
                username=f"{code}master",
                display_name=f"站长 {names.person()}",
                role=Role.STATION_MASTER,
                station=s,
                password=password,
                date_joined=start,
            )
        )
        for k in (1, 2):
            people.append(
                User(
                    username=f"{code}kam{k}",
                    display_name=f"大客户经理 {names.person()}",
                    role=Role.KEY_ACCOUNT_MANAGER,
                    station=s,
                    password=password,
                    date_joined=start,
                )
            )
        for j, area in enumerate(areas[s.pk], start=1):
            people.append(
                User(
                    username=f"{code}a{j:02d}mgr",
                    display_name=f"片区经理 {names.person()}",
                    role=Role.AREA_MANAGER,
                    station=s,
                    area=area,
                    password=password,
                    date_joined=start,
                )
            )
            people.append(
                User(
                    username=f"{code}a{j:02d}mkt",
                    display_name=f"营销员 {names.person()}",
                    role=Role.AREA_MARKETER,
                    station=s,
                    area=area,
                    password=password,
                    date_joined=start,
                )
            )
            for c in range(1, scale.couriers_per_area + 1):
                # One in twenty joined during the year: the quota counts for them from that day on.
                joined = (
                    start if rng.random() > 0.05 else start + datetime.timedelta(days=rng.randrange(30, 300))
                )
                people.append(
                    User(
                        username=f"{code}a{j:02d}c{c:02d}",
                        display_name=f"揽投员 {names.person()}",
                        role=Role.COURIER,
                        station=s,
                        area=area,
                        password=password,
                        date_joined=joined,
                    )
                )
    User.objects.bulk_create(people, batch_size=5000)
    by_station = {}
    for user in User.objects.filter(station__in=stations).values(
        "pk", "role", "station_id", "area_id", "date_joined"
    ):
        by_station.setdefault(user["station_id"], []).append(user)
    org = []
    for s in stations:
        members = by_station[s.pk]
        org.append(
            {
                "station": s,
                "areas": areas[s.pk],
                "quota_people": [m for m in members if m["role"] in (Role.COURIER, Role.AREA_MARKETER)],
                "kams": [m["pk"] for m in members if m["role"] == Role.KEY_ACCOUNT_MANAGER],
                "marketers": {m["area_id"]: m["pk"] for m in members if m["role"] == Role.AREA_MARKETER},
            }
        )
    return org


def _seed_history(writer, org_station, *, days, working, today, rng, competitors) -> None:
    station = org_station["station"]
    tz = station.tz
    names = Names(rng)
    leads = writer.table(
        Lead,
        [
            "id",
            "company_name",
            "normalized_name",
            "contact_name",
            "contact_phone",
            "phone_normalized",
            "source",
            "inbound_monthly",
            "outbound_monthly",
            "our_monthly",
            "collected_by_id",
            "collected_at",
            "collected_on",
            "station_id",
            "area_id",
            "status",
            "reject_reason",
            "reviewed_by_id",
            "reviewed_at",
            "client_id",
            "created_at",
            "updated_at",
        ],
    )
    tallies = writer.table(
        DailyTally,
        [
            "person_id",
            "day",
            "station_id",
            "area_id",
            "leads",
            "counted",
            "working_day",
            "quota",
            "counted_at_evaluation",
            "met",
            "miss_streak",
            "missed_since",
            "evaluated_at",
        ],
    )
    flags = writer.table(
        QuotaFlag,
        [
            "person_id",
            "station_id",
            "area_id",
            "first_missed_on",
            "last_missed_on",
            "days_missed",
            "raised_on",
            "status",
            "created_at",
            "updated_at",
        ],
    )
    clients = writer.table(
        Client,
        [
            "id",
            "name",
            "normalized_name",
            "station_id",
            "area_id",
            "owner_id",
            "collected_by_id",
            "stage",
            "stage_entered_at",
            "furthest_stage",
            "drop_reason",
            "tier",
            "source",
            "inbound_monthly",
            "outbound_monthly",
            "our_monthly",
            "competitor_monthly_total",
            "created_at",
            "updated_at",
            "expected_revenue",
            "difficulty",
            "priority_score",
        ],
    )
    station_days = {d: {"on_duty": 0, "met": 0, "missed": 0, "flags": 0} for d in days if d < today}
    area_clients: dict[int, list[int]] = {a.pk: [] for a in org_station["areas"]}
    new_clients = []  # (client id, area, owner, collector, created day, source, our, competitor volumes)

    for person in org_station["quota_people"]:
        # Each person has their habits: how often they miss a day, and misses come in runs.
        p_miss = rng.choice((0.02, 0.03, 0.05, 0.05, 0.08, 0.15))
        missed_yesterday = False
        streak, missed_since, flag = 0, None, None
        pid, area_id = person["pk"], person["area_id"]
        reviewer = org_station["marketers"].get(area_id)
        for day in days:
            if day < person["date_joined"]:
                continue
            due = working[day]
            if due:
                miss = rng.random() < (0.35 if missed_yesterday else p_miss)
                # Mostly the one lead the quota asks for, now and then a second: about 3 million a year.
                n = 0 if miss else 1 + (rng.random() < 0.06)
            else:
                n = 1 if rng.random() < 0.1 else 0
            counted = 0
            old = (today - day).days > 7
            for _ in range(n):
                lead_id = leads.ids(1)[0]
                name, normalized = names.company()
                phone, phone_normalized = names.phone()
                at = _at(day, tz, rng)
                inbound = rng.choice((None, 50, 200, 500, 1_000, 3_000))
                our = rng.randrange(0, inbound) if inbound else None
                roll = rng.random()
                status, reason, client_id = "submitted", "", None
                if old or roll < 0.3:
                    roll = rng.random()
                    if roll < 0.3:
                        status = "accepted"
                        pool = area_clients[area_id]
                        if pool and rng.random() < 0.6:
                            client_id = rng.choice(pool)
                        else:
                            client_id = clients.ids(1)[0]
                            pool.append(client_id)
                            theirs = {
                                c: rng.choice((100, 300, 800, 2_000))
                                for c in rng.sample(competitors, rng.choice((0, 1, 1, 2)))
                            }
                            new_clients.append(
                                (
                                    client_id,
                                    area_id,
                                    pid,
                                    day,
                                    rng.choice(SOURCES),
                                    name,
                                    normalized,
                                    inbound or 0,
                                    our or 0,
                                    theirs,
                                )
                            )
                    elif roll < 0.85:
                        status, reason = "rejected", "other"
                    elif roll < 0.95:
                        status, reason = "rejected", "duplicate"
                    elif roll < 0.98:
                        status, reason = "rejected", "fake"
                    else:
                        status, reason = "rejected", "out_of_area"
                counted += reason not in ("duplicate", "fake")
                reviewed = status != "submitted"
                leads.add(
                    (
                        lead_id,
                        name,
                        normalized,
                        names.person(),
                        phone,
                        phone_normalized,
                        rng.choice(SOURCES),
                        inbound,
                        inbound and rng.randrange(0, inbound),
                        our,
                        pid,
                        at,
                        day,
                        station.pk,
                        area_id,
                        status,
                        reason,
                        reviewer if reviewed else None,
                        at + datetime.timedelta(hours=3) if reviewed else None,
                        client_id,
                        at,
                        at,
                    )
                )
            evaluated = day < today
            met = None
            if due and evaluated:
                met = counted >= 1
                stats = station_days[day]
                stats["on_duty"] += 1
                stats["met" if met else "missed"] += 1
                if met:
                    if flag is not None:
                        # Flags of runs that ended a while ago have been dealt with; recent ones are still open.
                        flags.add(_flag_row(flag, tz, resolved=(today - day).days > 10))
                        flag = None
                    streak, missed_since = 0, None
                else:
                    streak += 1
                    missed_since = missed_since or day
                    if streak == 3:
                        stats["flags"] += 1
                        flag = [pid, station.pk, area_id, missed_since, day, 3, day]
                    elif flag is not None:
                        flag[4], flag[5] = day, streak
                missed_yesterday = not met
            if n or (due and evaluated):
                evaluated_at = datetime.datetime.combine(
                    day + datetime.timedelta(days=1), datetime.time(1), tzinfo=tz
                )
                tallies.add(
                    (
                        pid,
                        day,
                        station.pk,
                        area_id,
                        n,
                        counted,
                        due if evaluated else None,
                        1 if due and evaluated else None,
                        counted if evaluated else None,
                        met,
                        (streak if due else None) if evaluated else None,
                        missed_since if due and evaluated else None,
                        evaluated_at if evaluated else None,
                    )
                )
        if flag is not None:
            flags.add(_flag_row(flag, tz, resolved=False))

    days_table = writer.table(
        StationDay,
        ["station_id", "day", "working_day", "evaluated_at", "on_duty", "met", "missed", "flags_raised"],
    )
    for day, stats in station_days.items():
        days_table.add(
            (
                station.pk,
                day,
                working[day],
                datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(1), tzinfo=tz),
                stats["on_duty"],
                stats["met"],
                stats["missed"],
                stats["flags"],
            )
        )
    _seed_clients(writer, clients, new_clients, org_station, today=today, tz=tz, rng=rng)


def _flag_row(flag: list, tz, *, resolved: bool) -> tuple:
    raised_at = datetime.datetime.combine(flag[6] + datetime.timedelta(days=1), datetime.time(1), tzinfo=tz)
    return (*flag, "resolved" if resolved else "open", raised_at, raised_at)


def _seed_clients(writer, clients, new_clients, org_station, *, today, tz, rng) -> None:
    changes = writer.table(
        StageChange,
        ["client_id", "from_stage", "to_stage", "by_id", "at", "reason", "drop_reason", "days_in_previous"],
    )
    contracts = writer.table(
        Contract,
        [
            "client_id",
            "by_id",
            "created_at",
            "number",
            "signed_on",
            "starts_on",
            "ends_on",
            "price_terms",
            "committed_monthly_volume",
            "settlement_mode",
        ],
    )
    visits = writer.table(
        VisitRecord, ["client_id", "kind", "visited_at", "by_id", "met", "notes", "outcome", "created_at"]
    )
    plans = writer.table(
        VisitPlan,
        [
            "client_id",
            "kind",
            "source",
            "status",
            "planned_for",
            "assignee_id",
            "created_by_id",
            "created_at",
        ],
    )
    volumes = writer.table(ClientCompetitorVolume, ["client_id", "competitor_id", "month", "monthly"])
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    station = org_station["station"]
    this_month = today.replace(day=1)
    price = screening.average_price_for(station.pk)
    for client_id, area_id, collector, created, source, name, normalized, inbound, our, theirs in new_clients:
        age = (today - created).days
        final = rng.choices(stages, weights)[0]
        if age < 30 and final not in (Stage.COLLECT, Stage.SCREEN, Stage.DROPPED):
            final = Stage.SCREEN  # a month is too short to get far
        owner = rng.choice(org_station["kams"]) if final not in (Stage.COLLECT, Stage.SCREEN) else None
        path = (
            LOOP[: LOOP.index(final) + 1]
            if final != Stage.DROPPED
            else LOOP[: rng.randrange(1, 6)] + [Stage.DROPPED]
        )
        moments = sorted(rng.uniform(0, age) for _ in range(len(path) - 1))
        at = _at(created, tz, rng)
        previous, previous_at = "", at
        for stage, offset in zip(path, [0.0, *moments], strict=True):
            when = at + datetime.timedelta(days=offset)
            changes.add(
                (
                    client_id,
                    previous,
                    stage,
                    owner or collector,
                    when,
                    "放弃：价格不敌竞争对手" if stage == Stage.DROPPED else "",
                    DropReason.LOST_PRICE if stage == Stage.DROPPED else "",
                    (when - previous_at).days if previous else 0,
                )
            )
            previous, previous_at = stage, when
        tier = "A" if inbound >= 2_000 else "B" if inbound >= 500 else "C"
        # Screened by the live rule; the generated clients have no contacts, so no decision maker.
        record = Client(
            pk=client_id,
            station_id=station.pk,
            source=source,
            inbound_monthly=inbound,
            outbound_monthly=inbound // 2,
            our_monthly=our,
            competitor_monthly_total=sum(theirs.values()),
        )
        record._prefetched_objects_cache = {"contacts": []}
        screened = screening.assess(record, average_price=price)
        clients.add(
            (
                client_id,
                name,
                normalized,
                station.pk,
                area_id,
                owner,
                collector,
                final,
                previous_at,
                # What transitions.move() would have left: the furthest step of the path, the drop's reason.
                path[-2] if final == Stage.DROPPED else final,
                DropReason.LOST_PRICE if final == Stage.DROPPED else "",
                tier,
                source,
                inbound,
                inbound // 2,
                our,
                sum(theirs.values()),
                at,
                previous_at,
                screened.expected_revenue,
                screened.difficulty,
                screened.priority_score,
            )
        )
        for competitor, monthly in theirs.items():
            volumes.add((client_id, competitor, this_month, monthly))
        if LOOP.index(final) >= LOOP.index(Stage.VISIT) if final != Stage.DROPPED else False:
            for _ in range(rng.randrange(1, 4)):
                when = previous_at - datetime.timedelta(days=rng.uniform(0, 20))
                visits.add(
                    (
                        client_id,
                        "negotiation",
                        when,
                        owner,
                        "采购经理",
                        "",
                        rng.choice(("interested", "follow_up", "objection")),
                        when,
                    )
                )
        if final in SIGNED:
            signed = (
                previous_at
                if final == Stage.CONTRACT
                else at + datetime.timedelta(days=moments[LOOP.index(Stage.CONTRACT) - 1])
            ).date()
            contracts.add(
                (
                    client_id,
                    owner,
                    previous_at,
                    f"HT{client_id:08d}",
                    signed,
                    signed,
                    signed.replace(year=signed.year + 1) - datetime.timedelta(days=1),
                    "月结，首重6元，续重1.5元",
                    rng.choice((300, 500, 1_000, 2_000, 5_000)),
                    "monthly",
                )
            )
        if final == Stage.FOLLOW_UP:
            # Return visits every month: most are on the calendar ahead, some are overdue.
            planned = today + datetime.timedelta(days=rng.randrange(-20, 30))
            plans.add((client_id, "return", "cadence", "planned", planned, owner, owner, previous_at))

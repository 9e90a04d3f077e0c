"""The daily evaluation: for one station and one finished day, who was on duty, who met the quota, and the
three-day miss flags that follow. The beat job, `run_quota_check` and the demo data all call this module.

Every statement is set-based, so a day costs the same fixed number of queries for ten people or ten thousand.
A day is claimed with a conditional UPDATE on its StationDay row inside the day's transaction: a second worker
(or a second run) waits for the first to commit and then finds nothing to do; a run killed half-way rolls back
and the next run does the whole day. Days are evaluated in order, because a day's miss streak continues the
previous working day's.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Notification, Role, Station, User
from accounts.roles import QUOTA_ROLES
from outbox.events import event_record, events_record
from pipeline.models import Lead

from .calendar import calendar_entry, settings_for
from .models import (
    DailyTally,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    Leave,
    QuotaFlag,
    QuotaSettings,
    StationDay,
)

ONE_DAY = datetime.timedelta(days=1)
FLAG_AFTER = 3  # consecutive missed working days that raise a flag


class Outcome:
    EVALUATED = "evaluated"
    ALREADY = "already_evaluated"
    BEFORE_START = "before_start"


@dataclass
class DayResult:
    station: Station
    day: datetime.date
    outcome: str
    working_day: bool | None = None
    on_duty: int = 0
    met: int = 0
    missed: int = 0
    flags_raised: int = 0
    flags_extended: int = 0
    emails: list = field(default_factory=list, repr=False)


# --- SQL helpers ------------------------------------------------------------------------------------------


def _insert_select(model, columns: dict, queryset, *more: tuple[dict, object]) -> int:
    """INSERT INTO <model> (<columns>) SELECT <expressions> FROM <queryset> ON CONFLICT DO NOTHING.

    Django has no INSERT … SELECT; compiling the SELECT with the ORM keeps it portable (PostgreSQL, SQLite) and
    makes the insert one statement however many rows it writes. Conflicts with a unique constraint are skipped,
    which is what makes a repeated insert harmless. `more` are further (columns, queryset) pairs with the same
    columns, whose rows the same statement inserts (UNION ALL).
    """

    def rows(columns, queryset):
        aliases = {f"ins_{name}": expression for name, expression in columns.items()}
        return queryset.order_by().annotate(**aliases).values(*aliases)

    select = rows(columns, queryset)
    if more:
        select = select.union(*(rows(*pair) for pair in more), all=True).order_by()
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql} ON CONFLICT DO NOTHING", params
        )
        return max(cursor.rowcount, 0)


def _sql_format(template: str, **values):
    """A translated "%(name)s" template as an SQL string expression, each placeholder an ORM expression."""
    parts = []
    for index, piece in enumerate(re.split(r"%\((\w+)\)s", template)):
        if index % 2:
            parts.append(values[piece])
        elif piece:
            parts.append(Value(piece))
    return Concat(*parts, output_field=CharField())


def _text(expression):
    return Cast(expression, output_field=CharField())


PERSON_NAME = Coalesce(NullIf(F("person__display_name"), Value("")), F("person__username"))


def _no_jit() -> None:
    """PostgreSQL would JIT-compile the day's big UPDATE (its estimated cost crosses jit_above_cost) and spend
    seconds compiling a statement that runs in a fraction of that: switch JIT off for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


# --- Who is on duty -----------------------------------------------------------------------------------------


def on_duty_people(station, day: datetime.date):
    """The people the quota applies to at the station on a working day: quota roles, active, joined, not on leave."""
    return User.objects.filter(
        station=station, role__in=QUOTA_ROLES, is_active=True, date_joined__lte=day
    ).exclude(Exists(Leave.objects.covering(day).filter(person=OuterRef("pk"))))


def counting_leads(day: datetime.date):
    return Lead.objects.counting_for_quota().filter(collected_on=day)


# --- One station, one day ------------------------------------------------------------------------------------


def evaluate_station_day(*, station: Station, day: datetime.date) -> DayResult:
    """Evaluate one finished day at one station, once. Safe to call twice or from two workers at once."""
    quota_settings = settings_for(station)
    entry = calendar_entry(station, day)
    now = timezone.now()
    with transaction.atomic():
        _no_jit()
        claimed = _claim_day(station, day, working=entry.working, now=now)
        if not claimed:  # another worker (or an earlier run) got there first
            return DayResult(station, day, Outcome.ALREADY)
        result = DayResult(station, day, Outcome.EVALUATED, working_day=entry.working)
        _write_verdicts(station, day, entry.working, quota_settings.quota_per_day, now)
        if entry.working:
            result.flags_raised, result.flags_extended = _flag(day, now)
            result.emails = _notify_raised(day, now)
        result.on_duty, result.met, result.missed = _sum_up_day(station, day, now, result)
        if result.emails:
            from outbox import services as outbox

            from .tasks import email_notifications

            ids = list(result.emails)
            # One message hands all of the day's e-mails to a worker, which fans them out: publishing hundreds
            # of messages here would double the time the evaluation takes.
            outbox.task_enqueue(task=email_notifications, args=[ids])
    return result


def _claim_day(station, day, *, working: bool, now) -> bool:
    """Make the station's day evaluated now, unless it already is: one upsert. A second evaluation running at
    once waits for the first one's row and then finds the day evaluated (False)."""
    table = StationDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (station_id, day, working_day, evaluated_at, on_duty, met, missed, "
            "flags_raised, flags_extended) VALUES (%s, %s, %s, %s, 0, 0, 0, 0, 0) "
            "ON CONFLICT (station_id, day) DO UPDATE SET evaluated_at = excluded.evaluated_at, "
            f"working_day = excluded.working_day WHERE {table}.evaluated_at IS NULL",
            [
                station.pk,
                connection.ops.adapt_datefield_value(day),
                working,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        return cursor.rowcount > 0


def _sum_up_day(station, day, now, result: DayResult) -> tuple[int, int, int]:
    """Write the day's summary on the station's day — people on duty, met, missed, counted from the verdicts just
    written, and the flags — and return the three counts: one UPDATE … RETURNING."""
    tally, station_day = DailyTally._meta.db_table, StationDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {station_day} SET on_duty = t.on_duty, met = t.met, missed = t.missed, "
            "flags_raised = %s, flags_extended = %s "
            "FROM (SELECT COUNT(*) FILTER (WHERE working_day) AS on_duty, COUNT(*) FILTER (WHERE met) AS met, "
            f"COUNT(*) FILTER (WHERE NOT met) AS missed FROM {tally} WHERE day = %s AND evaluated_at = %s) AS t "
            f"WHERE {station_day}.station_id = %s AND {station_day}.day = %s "
            f"RETURNING {station_day}.on_duty, {station_day}.met, {station_day}.missed",
            [
                result.flags_raised,
                result.flags_extended,
                connection.ops.adapt_datefield_value(day),
                connection.ops.adapt_datetimefield_value(now),
                station.pk,
                connection.ops.adapt_datefield_value(day),
            ],
        )
        return cursor.fetchone()


def _write_verdicts(station, day, working: bool, quota: int, now) -> None:
    """Give everybody on duty a row for the day, then write the verdict of every row of the day.

    Met or missed is decided on the leads themselves, not on the live counters. A miss continues the run of the
    person's previous *working* day, so rest days, leave and days before joining neither break nor extend it.
    Two UPDATEs over disjoint rows (on duty / not on duty) write each row once: half the row versions and WAL
    of a stamp-then-judge pair, which matters at 10,000 people a day.
    """
    rows = DailyTally.objects.filter(
        day=day, evaluated_at__isnull=True, person_id__in=User.objects.filter(station=station).values("pk")
    )
    counted = Coalesce(
        Subquery(
            counting_leads(day)
            .filter(collected_by=OuterRef("person_id"))
            .order_by()
            .values("collected_by")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    if working:
        on_duty = on_duty_people(station, day)
        _insert_select(
            DailyTally,
            {
                "person": F("pk"),
                "day": Value(day, output_field=DateField()),
                "station": F("station_id"),
                "area": F("area_id"),
                "leads": Value(0),
                "counted": Value(0),
            },
            on_duty,
        )
        missed = LessThan(counted, quota)
        previous = DailyTally.objects.filter(
            person_id=OuterRef("person_id"), day__lt=day, working_day=True, evaluated_at__isnull=False
        ).order_by("-day")
        rows.filter(person_id__in=on_duty.values("pk")).update(
            working_day=True,
            counted_at_evaluation=counted,
            quota=quota,
            met=Case(When(missed, then=Value(False)), default=Value(True), output_field=BooleanField()),
            miss_streak=Case(
                When(missed, then=Coalesce(Subquery(previous.values("miss_streak")[:1]), 0) + 1),
                default=Value(0),
                output_field=IntegerField(),
            ),
            missed_since=Case(
                When(missed, then=Coalesce(Subquery(previous.values("missed_since")[:1]), Value(day))),
                default=Value(None),
                output_field=DateField(),
            ),
            evaluated_at=now,
        )
    # Whoever is left collected on a day that was not a working day for them (rest day, leave, no quota role).
    rows.update(working_day=False, counted_at_evaluation=counted, evaluated_at=now)


def _flag(day, now) -> tuple[int, int]:
    """Raise a flag for every run that reached three missed days; extend the flag of every longer run."""
    runs = DailyTally.objects.filter(day=day, evaluated_at=now, miss_streak__gte=FLAG_AFTER)
    day_value = Value(day, output_field=DateField())
    # The unique (person, first_missed_on) constraint makes this insert skip runs that already have a flag.
    raised = _insert_select(
        QuotaFlag,
        {
            "person": F("person_id"),
            "station": F("person__station_id"),
            "area": F("person__area_id"),
            "first_missed_on": F("missed_since"),
            "last_missed_on": day_value,
            "days_missed": F("miss_streak"),
            "raised_on": day_value,
            "status": Value(FlagStatus.OPEN),
            "created_at": Value(now),
            "updated_at": Value(now),
        },
        runs,
    )
    run = runs.filter(person_id=OuterRef("person_id"), missed_since=OuterRef("first_missed_on"))
    candidates = QuotaFlag.objects.filter(person_id__in=runs.values("person_id"))
    # `last_missed_on < day` is the conditional part: a flag already carried to this day is left alone.
    extended = (
        candidates.filter(last_missed_on__lt=day)
        .filter(Exists(run))
        .update(
            last_missed_on=day,
            days_missed=Subquery(run.values("miss_streak")[:1]),
            updated_at=now,
        )
    )
    event_columns = {
        "flag": F("pk"),
        "day": day_value,
        "days_missed": F("days_missed"),
        "note": Value(""),
        "at": Value(now),
    }
    if raised:
        _insert_select(
            FlagEvent,
            {**event_columns, "kind": Value(FlagEventKind.RAISED)},
            candidates.filter(raised_on=day, created_at=now),
        )

        def raised_rows():
            # A generator function, not a generator expression (which would run the query as it is made): the
            # flags are read only if somebody subscribes to flag.raised.
            for flag in candidates.filter(raised_on=day, created_at=now).order_by("pk"):
                yield flag_event_data(flag), flag.station_id

        events_record(type="flag.raised", rows=raised_rows())
    if extended:
        _insert_select(
            FlagEvent,
            {**event_columns, "kind": Value(FlagEventKind.EXTENDED)},
            candidates.filter(last_missed_on=day, updated_at=now, raised_on__lt=day),
        )
    return raised, extended


def flag_event_data(flag: QuotaFlag) -> dict:
    """What a webhook says about a miss flag."""
    return {
        "flag": flag.pk,
        "person": flag.person_id,
        "station": flag.station_id,
        "area": flag.area_id,
        "first_missed_on": flag.first_missed_on.isoformat(),
        "last_missed_on": flag.last_missed_on.isoformat(),
        "days_missed": flag.days_missed,
        "status": flag.status,
    }


def flag_link_prefix() -> str:
    return reverse("quota:flags")


def _notify_raised(day, now) -> list[int]:
    """Tell the area manager of each new flag (the station master where the area has none), in the app and by
    e-mail. Returns the notifications to e-mail once the day is committed."""
    new_flags = QuotaFlag.objects.filter(
        raised_on=day,
        created_at=now,
        person_id__in=DailyTally.objects.filter(
            day=day, evaluated_at=now, miss_streak__gte=FLAG_AFTER
        ).values("person_id"),
    )
    with translation.override(django_settings.LANGUAGE_CODE):
        template = gettext(
            "%(person)s has collected no lead for %(days)s working days in a row (%(first)s to %(last)s). "
            "Please look into it and record what you found."
        )
    message = _sql_format(
        template,
        person=PERSON_NAME,
        days=_text(F("days_missed")),
        first=_text(F("first_missed_on")),
        last=_text(F("last_missed_on")),
    )
    prefix = flag_link_prefix()

    def columns(recipient):
        return {
            "recipient": F(recipient),
            "kind": Value("quota_flag"),
            "message": message,
            "link": Concat(Value(prefix), _text(F("pk")), Value("/"), output_field=CharField()),
            "dedupe_key": Concat(
                Value("quota_flag:"), _text(F("pk")), Value(":raised"), output_field=CharField()
            ),
            "created_at": Value(now),
        }

    managers = User.objects.filter(area=OuterRef("area"), role=Role.AREA_MANAGER, is_active=True)
    inserted = _insert_select(
        Notification,
        columns("area__people__id"),
        new_flags.filter(area__people__role=Role.AREA_MANAGER, area__people__is_active=True),
        (
            columns("station__people__id"),
            new_flags.exclude(Exists(managers)).filter(
                station__people__role=Role.STATION_MASTER, station__people__is_active=True
            ),
        ),
    )
    if not inserted:
        return []
    return list(
        Notification.objects.filter(kind="quota_flag", created_at=now, dedupe_key__endswith=":raised")
        .exclude(recipient__email="")
        .values_list("pk", flat=True)
    )


# --- Many days, many stations ----------------------------------------------------------------------------------


def last_evaluated_day(station) -> datetime.date | None:
    return StationDay.objects.filter(station=station, evaluated_at__isnull=False).aggregate(d=Max("day"))["d"]


def pending_days(station, through: datetime.date) -> list[datetime.date]:
    """Days of the station not evaluated yet, up to `through`, oldest first (from where the rule starts or from
    the day after the last evaluated day)."""
    start = settings_for(station).starts_on
    last = last_evaluated_day(station)
    if last is not None:
        start = max(start, last + ONE_DAY)
    return [start + ONE_DAY * i for i in range((through - start).days + 1)]


def evaluate_station_through(*, station: Station, through: datetime.date) -> list[DayResult]:
    """Evaluate every day of the station not yet evaluated, up to `through`, in order. Each day commits on its
    own, so a run stopped half-way keeps the days it finished and the next run carries on."""
    return [evaluate_station_day(station=station, day=day) for day in pending_days(station, through)]


def last_due_day(station: Station, quota_settings: QuotaSettings, now: datetime.datetime) -> datetime.date:
    """The latest day the beat may evaluate at `now`: yesterday (station time) once the evaluation hour has
    passed, the day before otherwise."""
    local = timezone.localtime(now, station.tz)
    yesterday = local.date() - ONE_DAY
    return yesterday if local.hour >= quota_settings.evaluation_hour else yesterday - ONE_DAY


def has_finished(station: Station, day: datetime.date, now: datetime.datetime) -> bool:
    return day < station.local_date(now)


def stations_with_settings(stations=None) -> list[Station]:
    """Stations with their quota settings attached, creating missing settings (defaults) in one statement."""
    stations = list(stations if stations is not None else Station.objects.order_by("pk"))
    by_station = {q.station_id: q for q in QuotaSettings.objects.filter(station__in=stations)}
    missing = [s for s in stations if s.pk not in by_station]
    if missing:
        QuotaSettings.objects.bulk_create(
            [QuotaSettings(station=s, starts_on=s.local_date()) for s in missing],
            ignore_conflicts=True,
        )
        by_station = {q.station_id: q for q in QuotaSettings.objects.filter(station__in=stations)}
    for station in stations:
        station._quota_settings_cache = by_station[station.pk]
    return stations


# --- A late lead: one person's judged day, judged again -----------------------------------------------------------


@dataclass
class Rejudged:
    day: datetime.date
    now_met: bool = False
    flags_shrunk: list = field(default_factory=list)
    flags_withdrawn: list = field(default_factory=list)
    flags_raised: list = field(default_factory=list)


def _run_ending(
    tallies: list[DailyTally], index: int
) -> tuple[int, datetime.date | None, datetime.date | None]:
    """The run of misses that ends at tallies[index] (working days, oldest first): (days, first, last)."""
    if index < 0 or tallies[index].met is not False:
        return 0, None, None
    row = tallies[index]
    return row.miss_streak, row.missed_since, row.day


def rejudge_person_day(*, person: User, day: datetime.date, because: Lead | None = None) -> Rejudged | None:
    """Judge `person`'s `day` again after a lead captured on that day (offline, on the phone) arrived once the day
    had been evaluated. A missed day the late lead now meets becomes met; the runs of misses after it are
    counted again; a flag that rested on the day shrinks to what is left of its run (three missed working days
    or more), or is withdrawn — with the reason in its history and a notice to whoever was told about the flag.

    Runs inside the caller's transaction. Safe to call twice: a day already met changes nothing. None when the
    day is not a judged working day of the person, or still not met.
    """
    station = person.station
    if station is None:
        return None
    # Lock the station's judged days from `day` on, oldest first (the order the evaluation claims them in): an
    # evaluation of a later day running now finishes first, and the one after waits for this.
    list(
        StationDay.objects.select_for_update()
        .filter(station=station, day__gte=day)
        .order_by("day")
        .values_list("pk", flat=True)
    )
    tally = (
        DailyTally.objects.select_for_update()
        .filter(person=person, day=day, evaluated_at__isnull=False, working_day=True)
        .first()
    )
    if tally is None or tally.met:
        return None
    counted = counting_leads(day).filter(collected_by=person).count()
    if counted < (tally.quota or 0):
        DailyTally.objects.filter(pk=tally.pk).update(counted_at_evaluation=counted)
        return None
    now = timezone.now()
    result = Rejudged(day=day, now_met=True)
    # The person's judged working days around the run the day was part of, oldest first.
    before = (
        DailyTally.objects.filter(person=person, day__lt=day, working_day=True, evaluated_at__isnull=False)
        .order_by("-day")
        .first()
    )
    later = list(
        DailyTally.objects.select_for_update()
        .filter(person=person, day__gt=day, working_day=True, evaluated_at__isnull=False)
        .order_by("day")
    )
    DailyTally.objects.filter(pk=tally.pk).update(
        met=True, miss_streak=0, missed_since=None, counted_at_evaluation=counted
    )
    StationDay.objects.filter(station=station, day=day, missed__gt=0).update(
        met=F("met") + 1, missed=F("missed") - 1
    )
    # The misses after the day no longer continue the run before it: count them again from the day on.
    streak, since = 0, None
    for row in later:
        if row.met:
            break  # a met day ends the run; what follows it is unchanged
        streak, since = streak + 1, since or row.day
        row.miss_streak, row.missed_since = streak, since
        DailyTally.objects.filter(pk=row.pk).update(miss_streak=streak, missed_since=since)
    _rejudge_flags(person, day, before, later, now, because, result)
    return result


def _first_day_reaching(rows: list[DailyTally], first: datetime.date, days: int) -> datetime.date | None:
    for row in rows:
        if row.missed_since == first and row.miss_streak == days:
            return row.day
    return None


def _rejudge_flags(person, day, before, later, now, because, result: Rejudged) -> None:
    """Shrink or withdraw the flag whose run contained `day`; raise one for a run after it that still has three
    missed days (a run of seven or more split in two by the day)."""
    flag = (
        QuotaFlag.objects.select_for_update()
        .filter(person=person, first_missed_on__lte=day, last_missed_on__gte=day)
        .exclude(status=FlagStatus.WITHDRAWN)
        .first()
    )
    if flag is None:
        return
    left = (
        (before.miss_streak, before.missed_since, before.day)
        if before and before.met is False
        else (0, None, None)
    )
    # The run after the day: from the first later day to the last missed day of the flag's old run.
    right_rows = [row for row in later if row.day <= flag.last_missed_on and row.met is False]
    right = (
        (right_rows[-1].miss_streak, right_rows[-1].missed_since, right_rows[-1].day)
        if right_rows
        else (0, None, None)
    )
    lead_name = str(person)
    received = timezone.localtime(because.created_at if because else now, person.station.tz).date()
    with translation.override(django_settings.LANGUAGE_CODE):
        reason = gettext(
            "A lead %(person)s captured on %(day)s without signal reached the server on %(received)s: %(day)s "
            "is met after all."
        ) % {"person": lead_name, "day": day, "received": received}
    keep = left if left[0] >= FLAG_AFTER else right if right[0] >= FLAG_AFTER else None
    if keep is None:
        QuotaFlag.objects.filter(pk=flag.pk).update(status=FlagStatus.WITHDRAWN, updated_at=now)
        kind = FlagEventKind.WITHDRAWN
        with translation.override(django_settings.LANGUAGE_CODE):
            outcome = gettext("The flag is withdrawn.")
        days_missed = flag.days_missed
        result.flags_withdrawn.append(flag.pk)
    else:
        days_missed, first, last = keep
        # The left part reached three misses before the day, when the flag was raised; the right part on the
        # day it reaches three now.
        raised_on = flag.raised_on if keep is left else _first_day_reaching(later, first, FLAG_AFTER)
        QuotaFlag.objects.filter(pk=flag.pk).update(
            first_missed_on=first,
            last_missed_on=last,
            days_missed=days_missed,
            raised_on=raised_on or flag.raised_on,
            updated_at=now,
        )
        kind = FlagEventKind.SHRUNK
        with translation.override(django_settings.LANGUAGE_CODE):
            outcome = gettext("The flag now covers %(first)s to %(last)s (%(days)s working days).") % {
                "first": first,
                "last": last,
                "days": days_missed,
            }
        result.flags_shrunk.append(flag.pk)
    note = f"{reason} {outcome}"
    FlagEvent.objects.bulk_create(
        [FlagEvent(flag=flag, kind=kind, day=day, days_missed=days_missed, note=note, at=now)],
        ignore_conflicts=True,
    )
    _notify_told(flag, flag, day, note)
    if keep is left and right[0] >= FLAG_AFTER:
        split_off = _raise_split_off(person, flag, right, later, now, note)
        _notify_told(flag, split_off, day, note)
        result.flags_raised.append(split_off.pk)


def _notify_told(told_of: QuotaFlag, flag: QuotaFlag, day: datetime.date, message: str) -> None:
    """Tell everybody who was notified about `told_of` (raised, investigated, …) what became of it (`flag`)."""
    from accounts.services import notify

    told = (
        User.objects.filter(
            pk__in=Notification.objects.filter(dedupe_key__startswith=f"quota_flag:{told_of.pk}:").values(
                "recipient_id"
            )
        )
        .filter(is_active=True)
        .order_by("pk")
    )
    for recipient in told:
        notify(
            recipient=recipient,
            kind="quota_flag",
            message=message,
            link=f"{flag_link_prefix()}{flag.pk}/",
            dedupe_key=f"quota_flag:{flag.pk}:rejudged:{day.isoformat()}",
        )


def _raise_split_off(person, flag, run, later, now, note) -> QuotaFlag:
    """The part of a long run after the re-judged day still has three missed days: it becomes a flag of its own,
    told to the same people."""
    days_missed, first, last = run
    new, created = QuotaFlag.objects.get_or_create(
        person=person,
        first_missed_on=first,
        defaults={
            "station_id": flag.station_id,
            "area_id": flag.area_id,
            "last_missed_on": last,
            "days_missed": days_missed,
            "raised_on": _first_day_reaching(later, first, FLAG_AFTER) or last,
            "status": FlagStatus.OPEN,
            "created_at": now,
            "updated_at": now,
        },
    )
    FlagEvent.objects.bulk_create(
        [
            FlagEvent(
                flag=new,
                kind=FlagEventKind.RAISED,
                day=new.raised_on,
                days_missed=days_missed,
                note=note,
                at=now,
            )
        ],
        ignore_conflicts=True,
    )
    if created:
        event_record(type="flag.raised", data=flag_event_data(new), station_id=new.station_id)
    return new

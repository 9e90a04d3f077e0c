"""Writes of targets. A station master sets the targets of the people and areas of their station; headquarters
those of any station, area or person. Setting a target again for the same month and metric replaces it."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Area, Station, User
from accounts.roles import HQ_ROLES, TARGET_SETTERS

from .models import WHOLE_METRICS, Metric, Target

MAX_VALUE = Decimal("999999999999")
MONTHS_AHEAD = 12


def _require_setter(by: User, station: Station, *, station_level: bool) -> None:
    if not (by.is_authenticated and by.role in TARGET_SETTERS):
        raise PermissionDenied(_("Targets are set by station masters and headquarters."))
    if by.role in HQ_ROLES:
        return
    if station.pk != by.station_id:
        raise PermissionDenied(_("A station master sets the targets of their own station."))
    if station_level:
        raise PermissionDenied(_("A station's own targets are set by headquarters."))


def _subject(*, person: User | None, area: Area | None, station: Station | None) -> tuple[Station, dict]:
    given = [x for x in (person, area, station) if x is not None]
    if len(given) != 1:
        raise ValidationError(_("Give exactly one of person, area or station."))
    if person is not None:
        if person.role in HQ_ROLES or person.station_id is None:
            raise ValidationError({"person": _("Headquarters have no station targets of their own.")})
        if not person.is_active:
            raise ValidationError({"person": _("%(person)s has left.") % {"person": person}})
        return person.station, {"person": person, "area": None}
    if area is not None:
        return area.station, {"person": None, "area": area}
    return station, {"person": None, "area": None}


def clean_value(metric: str, value) -> Decimal:
    if metric not in Metric.values:
        raise ValidationError({"metric": _("Unknown metric.")})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"value": _("A target is zero or more.")})
    if number > MAX_VALUE:
        raise ValidationError({"value": _("That number is too large.")})
    if metric in WHOLE_METRICS and number != number.to_integral_value():
        raise ValidationError({"value": _("This target is a whole number.")})
    return number.quantize(Decimal("0.01"))


def clean_month(month: datetime.date | None, today: datetime.date) -> datetime.date:
    if month is None:
        raise ValidationError({"month": _("Give the month as YYYY-MM.")})
    month = month.replace(day=1)
    latest = today.replace(day=1)
    for _i in range(MONTHS_AHEAD):
        latest = (latest + datetime.timedelta(days=32)).replace(day=1)
    if month > latest or month.year < 2000:
        raise ValidationError({"month": _("Targets are set at most a year ahead.")})
    return month


def target_set(
    *,
    by: User,
    month: datetime.date,
    metric: str,
    value,
    person: User | None = None,
    area: Area | None = None,
    station: Station | None = None,
) -> tuple[Target, bool]:
    """Set (or replace) a monthly target; returns it and whether it is new."""
    owner_station, subject = _subject(person=person, area=area, station=station)
    _require_setter(by, owner_station, station_level=person is None and area is None)
    month = clean_month(month, timezone.localdate())
    value = clean_value(metric, value)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return Target.objects.update_or_create(
                    station=owner_station,
                    month=month,
                    metric=metric,
                    **subject,
                    defaults={"value": value, "set_by": by},
                )
        except IntegrityError:
            # Somebody set the same target at the same instant: theirs is there now; replace it.
            if attempt:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def target_delete(*, by: User, target: Target) -> None:
    _require_setter(by, target.station, station_level=target.person_id is None and target.area_id is None)
    Target.objects.filter(pk=target.pk).delete()

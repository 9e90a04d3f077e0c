"""Evaluate finished days of the daily lead quota by hand, exactly as the scheduled job does."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Station
from quota.evaluation import Outcome
from quota.schedule import parse_day, run_quota_check


class Command(BaseCommand):
    help = (
        "Evaluate the daily lead quota. Without --date: every finished day not evaluated yet (what the scheduled "
        "job would have done by now). With --date: that finished day, after any earlier day still pending. "
        "Running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="A finished day, YYYY-MM-DD (the stations' local date).")
        parser.add_argument("--station", action="append", help="A station code (repeatable); default: all.")

    def handle(self, *args, date=None, station=None, **options):
        stations = Station.objects.order_by("pk")
        if station:
            stations = stations.filter(code__in=station)
            unknown = set(station) - set(stations.values_list("code", flat=True))
            if unknown:
                raise CommandError(
                    _("Unknown station code: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
                )
        try:
            day = parse_day(date) if date is not None else None
            results = run_quota_check(now=timezone.now(), day=day, stations=stations)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not results:
            self.stdout.write(_("Nothing to evaluate: every finished day is evaluated."))
        for r in results:
            where = f"{r.station.code} {r.day.isoformat()}"
            if r.outcome == Outcome.ALREADY:
                self.stdout.write(_("%(where)s: already evaluated, nothing changed.") % {"where": where})
            elif r.outcome == Outcome.BEFORE_START:
                self.stdout.write(
                    _("%(where)s: before the quota rule applies here, nothing to do.") % {"where": where}
                )
            elif not r.working_day:
                self.stdout.write(_("%(where)s: rest day.") % {"where": where})
            else:
                line = _(
                    "%(where)s: %(on_duty)s on duty, %(met)s met, %(missed)s missed, "
                    "%(raised)s flag(s) raised, %(extended)s extended."
                ) % {
                    "where": where,
                    "on_duty": r.on_duty,
                    "met": r.met,
                    "missed": r.missed,
                    "raised": r.flags_raised,
                    "extended": r.flags_extended,
                }
                self.stdout.write(self.style.SUCCESS(line))

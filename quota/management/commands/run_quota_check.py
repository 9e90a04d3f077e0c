"""Evaluate finished days of the daily lead quota by hand, exactly as the scheduled job does."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

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
                raise CommandError(f"Unknown station code: {', '.join(sorted(unknown))}")
        try:
            day = parse_day(date) if date is not None else None
            results = run_quota_check(now=timezone.now(), day=day, stations=stations)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not results:
            self.stdout.write("Nothing to evaluate: every finished day is evaluated.")
        for r in results:
            where = f"{r.station.code} {r.day.isoformat()}"
            if r.outcome == Outcome.ALREADY:
                self.stdout.write(f"{where}: already evaluated, nothing changed.")
            elif r.outcome == Outcome.BEFORE_START:
                self.stdout.write(f"{where}: before the quota rule applies at this station, nothing to do.")
            elif not r.working_day:
                self.stdout.write(f"{where}: rest day.")
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{where}: {r.on_duty} on duty, {r.met} met, {r.missed} missed, "
                        f"{r.flags_raised} flag(s) raised, {r.flags_extended} extended."
                    )
                )

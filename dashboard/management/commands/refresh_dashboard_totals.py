import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard import rollup


class Command(BaseCommand):
    help = "Roll the daily tallies and client stages up per station for the network dashboard."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", help="Recompute every day from this date (YYYY-MM-DD), e.g. after an import."
        )

    def handle(self, *args, since=None, **options):
        first = None
        if since:
            try:
                first = datetime.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD).") from None
        state = rollup.refresh_totals(today=timezone.localdate(), since=first)
        self.stdout.write(f"Totals complete through {state.through}.")

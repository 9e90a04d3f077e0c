import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Station, User
from demo import agenda, leads, loop, province, quota, satisfaction, targets, visits
from demo.organisation import DEMO_PASSWORD, SMALL_PEOPLE, seed_small_org

# Each app's demo history for the organisation, in this order: a callable (org, *, scale, today, rng).
APP_SEEDERS = [leads.seed, loop.seed, visits.seed, quota.seed, satisfaction.seed, targets.seed, agenda.seed]
PROVINCE_SEEDERS = {"station": province.seed_station, "province": province.seed_province}


class Command(BaseCommand):
    help = "Load a demo organisation with people and history (once; running it again only prints the logins)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "station", "province"], default="small")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even with DEBUG off (its logins share one published password).",
        )

    def handle(self, *args, scale, seed, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            # The demo's accounts, an administrator among them, all have the password printed in the README.
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo's logins (an administrator among them) "
                "share a published password. Use --allow-production to load it anyway."
            )
        if scale == "small":
            if Station.objects.filter(code="PD01").exists():
                self.stdout.write("The demo organisation is already loaded.")
            else:
                self._seed_small(seed)
            self._print_logins()
            return
        PROVINCE_SEEDERS[scale](stdout=self.stdout, seed=seed)

    @transaction.atomic
    def _seed_small(self, seed):
        today = timezone.localdate()
        rng = random.Random(seed)
        org = seed_small_org(today=today)
        for seeder in APP_SEEDERS:
            seeder(org, scale="small", today=today, rng=rng)
        self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))

    def _print_logins(self):
        self.stdout.write("\nDemo logins (password for all: %s):" % DEMO_PASSWORD)
        usernames = [row[0] for row in SMALL_PEOPLE]
        for user in (
            User.objects.filter(username__in=usernames).select_related("area", "station").order_by("pk")
        ):
            where = user.area.name if user.area else (user.station.name if user.station_id else "HQ")
            self.stdout.write(f"  {user.username:<10} {user.get_role_display():<24} {where}")
        self.stdout.write("")

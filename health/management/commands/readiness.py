import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from health import checks


class Command(BaseCommand):
    help = "Print the readiness checks as /readyz does; exit 1 when /readyz would answer 503 (or, with --only, when that check is not ok)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            choices=["database", "cache", "broker", "beat", "quota_evaluation"],
            help="judge by this check alone (compose's health check of the beat container uses --only beat)",
        )

    def handle(self, *args, only=None, **options):
        code, body = checks.readiness(now=timezone.now())
        self.stdout.write(json.dumps(body if only is None else body["checks"][only], indent=2))
        failed = code != 200 if only is None else body["checks"][only]["status"] != "ok"
        if failed:
            raise SystemExit(1)

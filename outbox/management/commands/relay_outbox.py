from django.core.management.base import BaseCommand
from django.utils import timezone

from outbox.services import message_relay


class Command(BaseCommand):
    help = (
        "Publish the work waiting in the outbox now (beat does it every minute), e.g. right after an outage."
    )

    def handle(self, *args, **options):
        published = message_relay(now=timezone.now())
        self.stdout.write(f"{published} published")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from outbox import events

        from .models import Webhook
        from .services import subscribed_types

        # Events nobody subscribes to are not recorded (outbox/events.py): this app says which are.
        events.subscribers_source = subscribed_types
        for signal in (post_save, post_delete):
            signal.connect(_subscriptions_changed, sender=Webhook, dispatch_uid=f"webhook-{signal}")


def _subscriptions_changed(**kwargs):
    from outbox.events import subscriptions_changed

    subscriptions_changed()

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification, at most once: a retried or duplicated task finds it claimed and sends nothing."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return False
    if not Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        link = f"{settings.SITE_URL}{notification.link}" if notification.link else settings.SITE_URL
        try:
            send_mail(
                subject=f"[{translation.gettext('Lantou')}] {notification.message[:80]}",
                message=f"{notification.message}\n\n{link}",
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
        except OSError:  # release the claim so that the retry sends it
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
    return True

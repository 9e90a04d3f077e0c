from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        link = f"{settings.SITE_URL}{notification.link}" if notification.link else settings.SITE_URL
        send_mail(
            subject=f"[{translation.gettext('Lantou')}] {notification.message[:80]}",
            message=f"{notification.message}\n\n{link}",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    return True

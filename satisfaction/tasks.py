"""Scheduled and queued work of satisfaction. Each task is thin: it reads the clock once and calls a service."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation
from .services import complaints, surveys


def _now(at: str | None) -> datetime:
    return datetime.fromisoformat(at) if at else timezone.now()


@shared_task
def send_due_campaigns(at: str | None = None) -> int:
    """Daily: the campaigns whose next sending is due (once, quarterly, half-yearly)."""
    return surveys.send_due_campaigns(now=_now(at))


@shared_task
def send_survey_reminders(at: str | None = None) -> int:
    """Daily: remind contacts who have not answered after their campaign's delay."""
    with transaction.atomic():
        return surveys.send_reminders(now=_now(at))


@shared_task
def escalate_overdue_complaints(at: str | None = None) -> int:
    """Hourly: overdue complaints go to the area manager, then to the station master."""
    return complaints.escalate_overdue_complaints(now=_now(at))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_survey_email(invitation_id: int, reminder: bool = False) -> bool:
    """E-mail one personal link, in Chinese with an English version below. Sent at most once per kind."""
    invitation = (
        Invitation.objects.select_related("campaign__questionnaire", "client")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.email or hasattr(invitation, "response"):
        return False
    # Claim the sending; a retried or duplicated task finds it claimed and sends nothing.
    claim = "reminder_emailed_at" if reminder else "emailed_at"
    if not Invitation.objects.filter(pk=invitation.pk, **{f"{claim}__isnull": True}).update(
        **{claim: timezone.now()}
    ):
        return False
    questionnaire = invitation.campaign.questionnaire
    link = surveys.invitation_link(invitation)
    expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
    bodies = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            greeting = (
                _("Reminder: we would still value your answer.")
                if reminder
                else _("We would value your opinion.")
            )
            bodies.append(
                "\n".join(
                    [
                        _("Dear %(name)s,") % {"name": invitation.contact_name},
                        "",
                        greeting,
                        _(
                            "%(client)s: please answer the short survey “%(title)s”; it takes about three minutes."
                        )
                        % {"client": invitation.client.name, "title": questionnaire.label},
                        "",
                        link,
                        "",
                        _("The link is personal, can be used once and is valid until %(date)s.")
                        % {"date": expires},
                    ]
                )
            )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Satisfaction survey: %(title)s") % {"title": questionnaire.title}
        if reminder:
            subject = _("Reminder") + " · " + subject
    try:
        send_mail(
            subject=subject,
            message="\n\n———\n\n".join(bodies),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except OSError:  # release the claim so that the retry sends it
        Invitation.objects.filter(pk=invitation.pk).update(**{claim: None})
        raise
    return True

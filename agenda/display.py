"""What a task says, in the reader's language, and where one goes to do it. A rule's task keeps only the facts (client, area, `detail`); its
sentence is put together when it is shown, so a Chinese and an English reader each get their own."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import TaskKind


def _client(task) -> str:
    return task.client.name if task.client_id else ""


def title_of(task) -> str:
    kind = task.kind
    facts = {"client": _client(task), "detail": task.detail}
    if kind == TaskKind.MANUAL:
        return task.title
    if kind == TaskKind.NEXT_STEP:
        if task.detail:
            return _("Next step with %(client)s: %(detail)s") % facts
        return _("Follow up with %(client)s") % facts
    if kind == TaskKind.PROPOSAL_UNANSWERED:
        return _("No answer yet from %(client)s to the proposal “%(detail)s”") % facts
    if kind == TaskKind.TRIAL_RESULTS:
        return _("Collect the results of the trial shipment sent to %(client)s on %(detail)s") % facts
    if kind == TaskKind.CONTRACT_ENDING:
        return _("The contract with %(client)s ends on %(detail)s: prepare the renewal") % facts
    if kind == TaskKind.RETURN_VISIT:
        return _("Return visit to %(client)s") % facts
    if kind == TaskKind.HIGH_LEVEL_VISIT:
        return _("High-level visit to %(client)s by %(detail)s") % facts
    if kind == TaskKind.WIN_BACK:
        return _("Try to win back %(client)s (dropped on %(detail)s)") % facts
    if kind == TaskKind.LEADS_UNREVIEWED:
        count = int(task.detail) if task.detail.isdigit() else 0
        where = task.area.name if task.area_id else (task.station.name if task.station_id else "")
        return ngettext(
            "Review the %(count)s lead left unreviewed in %(where)s",
            "Review the %(count)s leads left unreviewed in %(where)s",
            count,
        ) % {"count": count, "where": where}
    return task.title or str(TaskKind(kind).label)


def link_of(task) -> str:
    """The page where the task is done: the return visit's record form, the review queue, the client."""
    if task.kind == TaskKind.RETURN_VISIT and task.source_id:
        return f"{reverse('visits:record_new')}?plan={task.source_id}"
    if task.kind == TaskKind.LEADS_UNREVIEWED:
        return reverse("pipeline:review_queue")
    if task.client_id:
        return reverse("pipeline:client_detail", args=[task.client_id])
    return reverse("agenda:detail", args=[task.pk])

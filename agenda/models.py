"""Tasks: what somebody has to do and by when, made by the rules of the loop (agenda/rules.py) or by hand; the
station's rule settings; and each person's calendar feed.

A task is `open` or `done`. Snoozing keeps it open and hides it until a later day: `show_on` is the day it asks
for attention (its due date, or the end of the snooze), which is what "today", "overdue" and the escalation read.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import HQ_ROLES


class TaskKind(models.TextChoices):
    NEXT_STEP = "next_step", _("Next step agreed at a visit")
    PROPOSAL_UNANSWERED = "proposal_unanswered", _("Proposal awaiting an answer")
    TRIAL_RESULTS = "trial_results", _("Trial shipment results due")
    CONTRACT_ENDING = "contract_ending", _("Contract ending")
    RETURN_VISIT = "return_visit", _("Return visit due")
    HIGH_LEVEL_VISIT = "high_level_visit", _("High-level visit due")
    WIN_BACK = "win_back", _("Win back a dropped client")
    LEADS_UNREVIEWED = "leads_unreviewed", _("Leads left unreviewed")
    MANUAL = "manual", _("Task")


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")


class CloseReason(models.TextChoices):
    DONE = "done", _("Marked done")
    RESOLVED = "resolved", _("What it asked for happened")
    OBSOLETE = "obsolete", _("No longer applies")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own tasks and those escalated to them; a manager's people's too (404 for the rest)."""
        from accounts.models import User

        if not user.is_authenticated:
            return self.none()
        if user.role in HQ_ROLES:
            return self
        return self.filter(
            Q(assignee=user)
            | Q(escalated_to=user)
            | Q(assignee__in=User.objects.managed_by(user).values("pk"))
        )

    def open(self):
        return self.filter(status=TaskStatus.OPEN)


class Task(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=TaskKind.choices, default=TaskKind.MANUAL)
    # Written by hand only; a rule's task is titled from its kind in the reader's language (Task.display_title).
    title = models.CharField(pgettext_lazy("task", "title"), max_length=200, blank=True)
    # What the rule found, in the words of the record: the next step agreed, the contract number, a lead count.
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The station whose rules made it (the client's); a task by hand has the client's or the assignee's.
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("station"),
    )
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    client = models.ForeignKey(
        "pipeline.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("client"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("assignee")
    )
    due_on = models.DateField(_("due on"))
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    show_on = models.DateField(_("shows on"), help_text=_("The due date, or the end of a snooze."))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    close_reason = models.CharField(
        _("closed because"), max_length=10, choices=CloseReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "<kind>:<what it is about>": the database keeps a rule from ever making the same task twice.
    rule_key = models.CharField(max_length=120, blank=True, editable=False)
    source_id = models.BigIntegerField(null=True, blank=True, editable=False)  # the record the rule read
    since = models.DateTimeField(null=True, blank=True, editable=False)  # what the rule counts from
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_tasks",
        verbose_name=_("escalated to"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["show_on", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["rule_key"], condition=~Q(rule_key=""), name="task_rule_once"),
            models.CheckConstraint(condition=Q(show_on__gte=models.F("due_on")), name="task_shows_from_due"),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "show_on"]),
            models.Index(fields=["station", "status", "kind"]),
            models.Index(fields=["escalated_to", "status"]),
            # A contract's second reminder finds its first by the contract (agenda/rules.py).
            models.Index(fields=["kind", "source_id"]),
        ]

    def __str__(self):
        return str(self.display_title)

    @property
    def display_title(self) -> str:
        from .display import title_of

        return title_of(self)

    @property
    def link(self) -> str:
        from .display import link_of

        return link_of(self)


class TaskSettings(models.Model):
    """Per station: which rules make tasks, their intervals, and when an overdue task goes to the manager."""

    station = models.OneToOneField(
        "accounts.Station", on_delete=models.CASCADE, related_name="task_settings", verbose_name=_("station")
    )
    next_step = models.BooleanField(_("next steps agreed at visits"), default=True)
    proposal = models.BooleanField(_("proposals awaiting an answer"), default=True)
    proposal_days = models.PositiveSmallIntegerField(
        _("days to wait for an answer to a proposal"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    trial = models.BooleanField(_("trial shipment results"), default=True)
    trial_days = models.PositiveSmallIntegerField(
        _("days after sending to collect trial results"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    contract = models.BooleanField(_("contracts ending"), default=True)
    contract_first_days = models.PositiveSmallIntegerField(
        _("first reminder, days before a contract ends"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    contract_second_days = models.PositiveSmallIntegerField(
        _("second reminder, days before a contract ends"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    return_visit = models.BooleanField(
        _("return visits by tier"),
        default=True,
        help_text=_("The return visits planned by the tier cadence, as tasks of their owners."),
    )
    high_level = models.BooleanField(_("high-level visits to A-tier clients"), default=True)
    high_level_months = models.PositiveSmallIntegerField(
        _("months between high-level visits"),
        default=3,
        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (6, "6"), (12, "12")],
    )
    win_back = models.BooleanField(_("win back dropped clients"), default=True)
    win_back_days = models.PositiveSmallIntegerField(
        _("days after a drop to try winning the client back"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    leads_review = models.BooleanField(_("leads unreviewed at the end of the working day"), default=True)
    day_end_hour = models.PositiveSmallIntegerField(
        _("end of the working day (hour)"),
        default=18,
        validators=[MinValueValidator(1), MaxValueValidator(23)],
    )
    leads_escalate_days = models.PositiveSmallIntegerField(
        _("days before unreviewed leads go to the area manager"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    escalate_days = models.PositiveSmallIntegerField(
        _("days overdue before a task goes to the manager"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("task settings")
        verbose_name_plural = _("task settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_second_days__lt=models.F("contract_first_days")),
                name="task_settings_contract_reminders_in_order",
            )
        ]

    def __str__(self):
        return str(self.station)


class CalendarFeed(models.Model):
    """A person's calendar subscription. Only a digest of the secret in its link is kept: a stolen database
    does not open anybody's calendar, and a reset makes the old link answer 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=8, editable=False)  # the secret's last characters, to tell links apart
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user} …{self.hint}"

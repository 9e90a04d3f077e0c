"""Questionnaires (with versions and a pilot before approval), campaigns, personal invitations and responses."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import HQ_ROLES, SURVEY_MANAGERS

from .scope import client_scope_q


def in_language(chinese: str, english: str) -> str:
    """User-written text kept in both languages: the English one when the page is in English and it exists."""
    if english and (translation.get_language() or "").startswith("en"):
        return english
    return chinese


class Dimension(models.TextChoices):
    """TQCSO: what a key account judges an express service by."""

    TIME = "time", pgettext_lazy("TQCSO", "Time")
    QUALITY = "quality", pgettext_lazy("TQCSO", "Quality")
    COST = "cost", pgettext_lazy("TQCSO", "Cost")
    SERVICE = "service", pgettext_lazy("TQCSO", "Service")
    OPENNESS = "openness", pgettext_lazy("TQCSO", "Openness of information")


class Score(models.IntegerChoices):
    VERY_DISSATISFIED = 1, pgettext_lazy("satisfaction scale", "Very dissatisfied")
    DISSATISFIED = 2, pgettext_lazy("satisfaction scale", "Dissatisfied")
    NEUTRAL = 3, pgettext_lazy("satisfaction scale", "Neutral")
    SATISFIED = 4, pgettext_lazy("satisfaction scale", "Satisfied")
    VERY_SATISFIED = 5, pgettext_lazy("satisfaction scale", "Very satisfied")


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PILOTING = "piloting", _("Piloting")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Five-point scale")
    TEXT = "text", _("Free text")


class SurveyScopeQuerySet(models.QuerySet):
    """Questionnaires and campaigns: HQ sees all; survey roles their station's and the company-wide ones."""

    def visible_to(self, user):
        if not user.is_authenticated or user.role not in SURVEY_MANAGERS:
            return self.none()
        if user.role in HQ_ROLES:
            return self
        return self.filter(Q(station_id=user.station_id) | Q(station__isnull=True))


class Questionnaire(models.Model):
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questionnaires",
        verbose_name=_("station"),
        help_text=_("Empty: company-wide."),
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Each version has at most one successor, so the versions of a questionnaire form one line.
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    pilot_started_at = models.DateTimeField(_("pilot started"), null=True, blank=True)
    pilot_review = models.TextField(_("pilot review"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = SurveyScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def label(self) -> str:
        return in_language(self.title, self.title_en)

    @property
    def intro_text(self) -> str:
        return in_language(self.intro, self.intro_en)

    @property
    def is_editable(self) -> bool:
        return self.status == QuestionnaireStatus.DRAFT


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SCALE
    )
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices, blank=True)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question in English"), max_length=300, blank=True)
    required = models.BooleanField(_("answer required"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="question_unique_position"),
            models.CheckConstraint(
                condition=Q(kind="text") | ~Q(dimension=""), name="question_scale_has_dimension"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def label(self) -> str:
        return in_language(self.text, self.text_en)


class CampaignKind(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    SEGMENT = "segment", _("Segment")


class Schedule(models.TextChoices):
    ONCE = "once", _("Once")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")


SCHEDULE_MONTHS = {Schedule.ONCE: 0, Schedule.QUARTERLY: 3, Schedule.HALF_YEARLY: 6}


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("questionnaire")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=CampaignKind.choices, default=CampaignKind.SEGMENT
    )
    station = models.ForeignKey(
        "accounts.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_campaigns",
        verbose_name=_("station"),
        help_text=_("Empty: every station."),
    )
    # The segment: each list narrows the clients surveyed; an empty list means "any".
    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    relationship_stages = models.JSONField(_("relationship stages"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    pilot_clients = models.ManyToManyField(
        "pipeline.Client", blank=True, related_name="+", verbose_name=_("pilot clients")
    )
    contact_roles = models.JSONField(
        _("contact roles"), default=list, blank=True, help_text=_("Empty: every contact of the client.")
    )
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices, default=Schedule.ONCE)
    start_on = models.DateField(_("first sending"))
    next_run_on = models.DateField(_("next sending"), null=True, blank=True, db_index=True)
    last_run_on = models.DateField(_("last sending"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    reminder_after_days = models.PositiveSmallIntegerField(_("remind after (days)"))
    link_valid_days = models.PositiveSmallIntegerField(_("links valid for (days)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = SurveyScopeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")

    def __str__(self):
        return self.name


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A personal link is a record of its client: visible exactly when the client is. A company-wide
        campaign reaches every station, so seeing the campaign is not enough to see its links."""
        return self.filter(client_scope_q(user))

    def waiting(self, now):
        """Links still waiting for an answer: not answered, not expired."""
        # NOT EXISTS rather than LEFT JOIN … IS NULL: PostgreSQL estimates the anti-join well, so "is any link of
        # this campaign waiting" stops at the first one instead of joining every link to every response.
        answered = SurveyResponse.objects.filter(invitation=OuterRef("pk"))
        return self.filter(~Exists(answered), expires_at__gt=now)


class Invitation(models.Model):
    """One contact's personal link for one sending of a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    round_on = models.DateField(_("sending"))
    client = models.ForeignKey("pipeline.Client", on_delete=models.CASCADE, related_name="survey_invitations")
    contact = models.ForeignKey(
        "pipeline.ClientContact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("contact"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    token = models.CharField(max_length=200, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires"))
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    # Claimed by the reminder e-mail task, so that a message delivered twice sends one reminder.
    reminder_emailed_at = models.DateTimeField(_("reminder e-mailed"), null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-round_on", "client_id", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # A sending run twice (a retried job) invites each contact once.
            models.UniqueConstraint(
                fields=["campaign", "round_on", "contact"], name="invitation_once_per_round"
            )
        ]

    def __str__(self):
        return f"{self.contact_name} ({self.client_id})"


class ResponseChannel(models.TextChoices):
    LINK = "link", _("Personal link")
    PHONE = "phone", _("Recorded by staff")


class SurveyResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client_scope_q(user))

    def counting(self):
        """Responses that count in results: a pilot tests the questionnaire, not the service."""
        return self.filter(is_pilot=False)


class SurveyResponse(models.Model):
    # One response per link: the unique constraint, not a check in code, is what refuses a second one.
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    client = models.ForeignKey("pipeline.Client", on_delete=models.CASCADE, related_name="survey_responses")
    is_pilot = models.BooleanField(_("pilot"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=ResponseChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    average = models.FloatField(_("average score"), null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["client", "submitted_at"])]

    def __str__(self):
        return f"{self.client_id} {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices, null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["question__position", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="answer_score_1_to_5"
            ),
        ]

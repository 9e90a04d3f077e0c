from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Area, Station, User
from pipeline.models import Client
from pipeline.models.clients import ContactRole, RelationshipStage, Tier

from .models import (
    Answer,
    Campaign,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Dimension,
    FollowUpTask,
    Indicator,
    IndicatorReading,
    IndicatorWarning,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Schedule,
    Severity,
    SurveyResponse,
)
from .services.surveys import invitation_link


class ScopedFieldsMixin:
    """Related fields list only what the caller sees: another station's client is an unknown id (400)."""

    scoped = {}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, queryset in self.scoped.items():
            if name in fields and user is not None and user.is_authenticated:
                field = fields[name]
                target = getattr(field, "child_relation", field)
                target.queryset = queryset(user)
        return fields


def _visible_clients(user):
    return Client.objects.visible_to(user).active()


# --- Complaints ---------------------------------------------------------------------------------------------


class ComplaintEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintEvent
        fields = ["kind", "from_status", "to_status", "by", "at", "note"]


class ComplaintSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "client",
            "client_name",
            "channel",
            "category",
            "severity",
            "description",
            "owner",
            "created_by",
            "received_at",
            "due_at",
            "overdue",
            "status",
            "resolution",
            "resolved_at",
            "customer_confirmation",
            "closed_at",
            "escalation_level",
            "escalated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.now())


class ComplaintDetailSerializer(ComplaintSerializer):
    events = ComplaintEventSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "events"]
        read_only_fields = fields


class ComplaintCreateSerializer(ScopedFieldsMixin, serializers.Serializer):
    scoped = {
        "client": _visible_clients,
        "owner": lambda user: User.objects.visible_to(user).filter(is_active=True),
    }

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField()
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    received_at = serializers.DateTimeField(
        required=False, help_text=_("When the customer complained (default: now).")
    )


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class CloseSerializer(serializers.Serializer):
    confirmation = serializers.CharField(
        help_text=_("Who at the customer confirmed the resolution, and how.")
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReassignSerializer(ScopedFieldsMixin, serializers.Serializer):
    scoped = {"owner": lambda user: User.objects.visible_to(user).filter(is_active=True)}

    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())


# --- Questionnaires, campaigns, responses -------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices, default=QuestionKind.SCALE)
    dimension = serializers.ChoiceField(
        choices=Dimension.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "dimension", "text", "text_en", "required"]
        read_only_fields = ["id", "position"]


class QuestionnaireSerializer(ScopedFieldsMixin, serializers.ModelSerializer):
    scoped = {"station": Station.objects.visible_to}

    questions = QuestionSerializer(many=True)
    pilot_responses = serializers.SerializerMethodField()

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "station",
            "title",
            "title_en",
            "intro",
            "intro_en",
            "version",
            "previous",
            "status",
            "questions",
            "pilot_started_at",
            "pilot_responses",
            "pilot_review",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "version",
            "previous",
            "status",
            "pilot_started_at",
            "pilot_review",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
        ]

    def get_pilot_responses(self, obj) -> int:
        """The pilot answers the caller may read (`selectors.questionnaires_with_figures`)."""
        return obj.pilot_response_count


class PilotSerializer(ScopedFieldsMixin, serializers.Serializer):
    scoped = {"clients": _visible_clients}

    clients = serializers.PrimaryKeyRelatedField(many=True, queryset=Client.objects.none())
    contact_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactRole.choices), required=False, default=list
    )


class ApproveSerializer(serializers.Serializer):
    review = serializers.CharField(help_text=_("What the pilot's responses showed."))


class CampaignSerializer(ScopedFieldsMixin, serializers.ModelSerializer):
    scoped = {
        "questionnaire": Questionnaire.objects.visible_to,
        "station": Station.objects.visible_to,
        "area": Area.objects.visible_to,
    }

    tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=Tier.choices), required=False, default=list
    )
    relationship_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=RelationshipStage.choices), required=False, default=list
    )
    industries = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    contact_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactRole.choices), required=False, default=list
    )
    schedule = serializers.ChoiceField(choices=Schedule.choices, default=Schedule.ONCE)
    reminder_after_days = serializers.IntegerField(required=False, min_value=1)
    link_valid_days = serializers.IntegerField(required=False, min_value=1, max_value=180)
    invitations = serializers.SerializerMethodField()
    responses = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "questionnaire",
            "kind",
            "station",
            "area",
            "tiers",
            "relationship_stages",
            "industries",
            "contact_roles",
            "schedule",
            "start_on",
            "next_run_on",
            "last_run_on",
            "status",
            "reminder_after_days",
            "link_valid_days",
            "invitations",
            "responses",
            "waiting",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["kind", "next_run_on", "last_run_on", "status", "created_by", "created_at"]

    # The figures count the caller's customers only (`selectors.with_figures`).
    def get_invitations(self, obj) -> int:
        """Personal links sent."""
        return obj.invitation_count

    def get_responses(self, obj) -> int:
        """Links answered."""
        return obj.response_count

    def get_waiting(self, obj) -> int:
        """Links neither answered nor expired."""
        return obj.waiting_count


class InvitationSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    link = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "round_on",
            "client",
            "client_name",
            "contact_name",
            "email",
            "link",
            "expires_at",
            "emailed_at",
            "reminded_at",
            "answered",
        ]

    def get_link(self, obj) -> str:
        return invitation_link(obj, request=self.context.get("request"))

    def get_answered(self, obj) -> bool:
        if hasattr(obj, "answered"):  # annotated by `selectors.campaign_links`
            return obj.answered
        return SurveyResponse.objects.filter(invitation=obj).exists()


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["question", "dimension", "score", "text"]


class SurveyResponseSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    contact_name = serializers.CharField(source="invitation.contact_name", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "invitation",
            "campaign",
            "questionnaire",
            "client",
            "client_name",
            "contact_name",
            "is_pilot",
            "submitted_at",
            "channel",
            "language",
            "average",
            "answers",
        ]
        read_only_fields = fields


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    score = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    text = serializers.CharField(required=False, allow_blank=True, default="")


class SurveyResponseCreateSerializer(serializers.Serializer):
    invitation = serializers.IntegerField(help_text=_("The invitation answered, e.g. by phone."))
    answers = AnswerInputSerializer(many=True)
    language = serializers.CharField(required=False, allow_blank=True, default="")


class DimensionFigures(serializers.Serializer):
    time = serializers.FloatField(allow_null=True)
    quality = serializers.FloatField(allow_null=True)
    cost = serializers.FloatField(allow_null=True)
    service = serializers.FloatField(allow_null=True)
    openness = serializers.FloatField(allow_null=True)


class QuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    responses = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    by_dimension = DimensionFigures()


class SatisfactionSummarySerializer(serializers.Serializer):
    responses = serializers.IntegerField(help_text=_("Responses counted (pilots excluded)."))
    average = serializers.FloatField(allow_null=True, help_text=_("1–5, or null without answers."))
    by_dimension = DimensionFigures()
    distribution = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text=_("Per dimension (and 'all'): how many answers gave each score 1–5."),
    )
    trend = QuarterSerializer(many=True)


class ClientSatisfactionSerializer(SatisfactionSummarySerializer):
    client = serializers.IntegerField()


class HealthComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    weight = serializers.IntegerField()
    counted = serializers.BooleanField()
    detail = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client_id")
    score = serializers.IntegerField()
    threshold = serializers.SerializerMethodField()
    low = serializers.SerializerMethodField()
    formula = serializers.CharField()
    components = HealthComponentSerializer(many=True)

    def get_threshold(self, obj) -> int:
        from django.conf import settings

        return settings.SATISFACTION_HEALTH_THRESHOLD

    def get_low(self, obj) -> bool:
        return obj.is_low()


class LowHealthSerializer(HealthSerializer):
    client_name = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_client_name(self, obj):
        return self.context["clients"][obj.client_id].name

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_owner(self, obj):
        return self.context["clients"][obj.client_id].owner_id


# --- Indicators ---------------------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "name_en", "unit", "direction", "threshold", "active", "position"]
        read_only_fields = ["code"]


class ReadingSerializer(ScopedFieldsMixin, serializers.ModelSerializer):
    scoped = {"client": _visible_clients}

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.filter(active=True)
    )

    class Meta:
        model = IndicatorReading
        fields = ["id", "client", "indicator", "day", "value", "source", "recorded_by", "recorded_at"]
        read_only_fields = ["source", "recorded_by", "recorded_at"]
        # Posting a day again corrects its value (the service upserts), so no uniqueness check here.
        validators = []


class ReadingRowSerializer(serializers.Serializer):
    client = serializers.CharField(help_text=_("Client id, or the exact client name."))
    indicator = serializers.CharField(help_text=_("Indicator code, e.g. on_time_rate."))
    day = serializers.CharField(help_text=_("YYYY-MM-DD"))
    value = serializers.CharField(help_text=_("A number; percentages as 0–100."))


class ReadingBulkSerializer(serializers.Serializer):
    # Text each (numbers are taken as their text), then read as the service reads a spreadsheet's rows.
    readings = ReadingRowSerializer(many=True, allow_empty=False)


class ReadingUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx with the columns client, indicator, day, value"))


class RecordResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    warnings_raised = serializers.IntegerField()


class WarningSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.label", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)
    open = serializers.BooleanField(source="is_open", read_only=True)

    class Meta:
        model = IndicatorWarning
        fields = [
            "id",
            "client",
            "client_name",
            "indicator",
            "indicator_name",
            "unit",
            "raised_on",
            "last_day",
            "value",
            "threshold",
            "cleared_on",
            "open",
        ]


class FollowUpTaskSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "client",
            "client_name",
            "assignee",
            "response",
            "reason",
            "due_on",
            "created_at",
            "done_at",
            "done_by",
            "note",
        ]
        read_only_fields = fields


class TaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(help_text=_("What was done."))


class PendingQuerySerializer(serializers.Serializer):
    pending = serializers.BooleanField(
        required=False, default=False, help_text=_("Only what still waits for an answer.")
    )

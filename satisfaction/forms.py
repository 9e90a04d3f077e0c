from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Area, Station, User
from accounts.roles import HQ_ROLES, Role
from config.widgets import use_picker
from pipeline.models import Client
from pipeline.models.clients import ContactRole, RelationshipStage, Tier

from .models import (
    Category,
    Channel,
    Dimension,
    Indicator,
    QuestionKind,
    Schedule,
    Score,
    Severity,
)
from .services.surveys import PILOT_MAX_CLIENTS, questionnaires_for_campaign

STAFF_ROLES = sorted(r for r in Role.values if r != Role.COURIER)  # who may own a complaint


def _clients(user):
    return Client.objects.visible_to(user).active().order_by("name")


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (#{obj.pk})"


class ComplaintForm(forms.Form):
    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.MEDIUM,
        help_text=_("Sets the deadline: the higher, the sooner it must be resolved."),
    )
    description = forms.CharField(label=_("What the customer complains about"), widget=forms.Textarea)
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Default: the client's key-account manager."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = _clients(user)
        self.fields["owner"].queryset = (
            User.objects.visible_to(user).filter(is_active=True).exclude(role="courier")
        )
        use_picker(self.fields["owner"], "api-pick-people", params={"role": STAFF_ROLES})
        use_picker(self.fields["client"], "api-pick-clients")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("How it was resolved"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Customer's confirmation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who at the customer confirmed the resolution, and how."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the customer is not satisfied"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.visible_to(user).filter(is_active=True).exclude(role="courier")
        )
        use_picker(self.fields["owner"], "api-pick-people", params={"role": STAFF_ROLES})


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    intro = forms.CharField(label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    intro_en = forms.CharField(
        label=_("Introduction in English"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("Empty: company-wide."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role in HQ_ROLES:
            self.fields["station"].queryset = Station.objects.visible_to(user)
            use_picker(self.fields["station"], "api-pick-stations")
        else:
            del self.fields["station"]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300, required=False)
    text_en = forms.CharField(label=_("In English"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.SCALE)
    dimension = forms.ChoiceField(
        label=_("Dimension"), choices=[("", "—"), *Dimension.choices], required=False
    )
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=3, max_num=40)


class PilotForm(forms.Form):
    clients = forms.ModelMultipleChoiceField(
        label=_("Customers who test it"),
        queryset=Client.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("A few chosen customers (at most %(n)s); each of their contacts gets a personal link.")
        % {"n": PILOT_MAX_CLIENTS},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = _clients(user).filter(contacts__isnull=False).distinct()
        use_picker(self.fields["clients"], "api-pick-clients")


class ApproveForm(forms.Form):
    review = forms.CharField(
        label=_("Review of the pilot"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the pilot's responses showed: were the questions understood?"),
    )


class CommaListField(forms.CharField):
    def to_python(self, value):
        return [item.strip() for item in (value or "").replace("，", ",").split(",") if item.strip()]


class CampaignForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=None,
        help_text=_("Only piloted and approved questionnaires can be sent to a segment."),
    )
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=200)
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("Empty: every station."),
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("Any")
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    relationship_stages = forms.MultipleChoiceField(
        label=_("Relationship stages"),
        choices=RelationshipStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[RelationshipStage.INITIAL, RelationshipStage.STABLE, RelationshipStage.STRATEGIC],
    )
    industries = CommaListField(
        label=_("Industries"), required=False, help_text=_("Separated by commas; empty: any industry.")
    )
    contact_roles = forms.MultipleChoiceField(
        label=_("Contacts surveyed"),
        choices=ContactRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every contact of each client."),
    )
    schedule = forms.ChoiceField(label=_("Schedule"), choices=Schedule.choices)
    start_on = forms.DateField(label=_("First sending"), widget=forms.DateInput(attrs={"type": "date"}))
    reminder_after_days = forms.IntegerField(label=_("Remind after (days)"), min_value=1, max_value=179)
    link_valid_days = forms.IntegerField(label=_("Links valid for (days)"), min_value=1, max_value=180)

    def __init__(self, *args, user, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = questionnaires_for_campaign(user)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        use_picker(self.fields["area"], "api-pick-areas", label=lambda area: area.long_name)
        self.fields["reminder_after_days"].initial = settings.SATISFACTION_REMINDER_DAYS
        self.fields["link_valid_days"].initial = settings.SATISFACTION_SURVEY_LINK_DAYS
        if user.role in HQ_ROLES:
            self.fields["station"].queryset = Station.objects.visible_to(user)
            use_picker(self.fields["station"], "api-pick-stations")
        else:
            del self.fields["station"]


class SurveyForm(forms.Form):
    """The public form: one field per question, the five levels from very satisfied to very dissatisfied."""

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questionnaire.questions.all())
        levels = [(s.value, s.label) for s in sorted(Score, key=lambda s: -s.value)]
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == QuestionKind.SCALE:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.label,
                    choices=levels,
                    coerce=int,
                    required=question.required,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Please choose one of the five answers.")},
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.label,
                    required=question.required,
                    max_length=5000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            self.fields[name].question = question

    def answers(self):
        from .services.surveys import AnswerInput

        result = []
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if question.kind == QuestionKind.SCALE:
                result.append(AnswerInput(question_id=question.pk, score=value if value != "" else None))
            else:
                result.append(AnswerInput(question_id=question.pk, text=value or ""))
        return result


class ReadingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Columns: client (id or exact name), indicator (code), day (YYYY-MM-DD), value."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class ReadingForm(forms.Form):
    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none())
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.filter(active=True))
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=3)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = _clients(user)
        use_picker(self.fields["client"], "api-pick-clients")


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))

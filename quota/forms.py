from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Area, User
from accounts.roles import QUOTA_ROLES
from config.widgets import use_picker

from .models import FlagStatus, QuotaSettings

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the browser's date input needs ISO
WEEKDAY_CHOICES = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class AssessmentForm(NoteForm):
    penalty = forms.TypedChoiceField(
        label=_("Assessment"),
        choices=[("1", _("Penalty")), ("0", _("No penalty"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    field_order = ["penalty", "note"]


class FlagFilterForm(forms.Form):
    AWAITING = "awaiting"
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (AWAITING, _("Awaiting my step")), *FlagStatus.choices],
    )
    area = forms.ModelChoiceField(
        label=_("Area"), required=False, queryset=Area.objects.none(), empty_label=_("All areas")
    )
    person = forms.CharField(label=_("Person"), required=False, max_length=100)
    missed_from = forms.DateField(label=_("Missed from"), required=False, widget=DATE)
    missed_to = forms.DateField(label=_("Missed to"), required=False, widget=DATE)
    penalty = forms.TypedChoiceField(
        label=_("Assessment"),
        required=False,
        choices=[("", _("Any")), ("1", _("Penalty")), ("0", _("No penalty"))],
        coerce=lambda value: value == "1",
        empty_value=None,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        use_picker(self.fields["area"], "api-pick-areas", label=lambda area: area.long_name)


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE)
    working = forms.TypedChoiceField(
        label=_("Make it"),
        choices=[("0", _("a rest day")), ("1", _("a working day"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class SettingsForm(forms.ModelForm):
    working_weekdays = forms.MultipleChoiceField(
        label=_("Working weekdays"), choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = QuotaSettings
        fields = [
            "quota_per_day",
            "working_weekdays",
            "statutory_holidays",
            "reminder_hour",
            "evaluation_hour",
            "starts_on",
        ]
        widgets = {"starts_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["working_weekdays"] = list(self.instance.working_weekdays)

    def _post_clean(self):
        # Model validation runs in the service, where it also covers the API; keep only field parsing here.
        pass

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["working_weekdays"] = "".join(data["working_weekdays"])
        return data


class LeaveForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), empty_label=_("Choose a person")
    )
    first_day = forms.DateField(label=_("First day"), widget=DATE)
    last_day = forms.DateField(label=_("Last day"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            User.objects.visible_to(user)
            .filter(role__in=QUOTA_ROLES, is_active=True)
            .select_related("area")
            .order_by("area__name", "display_name", "username")
        )
        self.fields["person"].label_from_instance = lambda u: f"{u} · {u.area or ''}"
        use_picker(self.fields["person"], "api-pick-people", params={"role": sorted(QUOTA_ROLES)})

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Area, User
from accounts.roles import LOOP_ROLES
from config.widgets import Picker, use_picker
from pipeline.models import Client, ClientContact
from pipeline.models.loop import Stage

from .models import Outcome, VisitKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> accepts
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})


def _people(user):
    return (
        User.objects.visible_to(user).filter(is_active=True, role__in=LOOP_ROLES).order_by("role", "username")
    )


def _clients(user):
    return (
        Client.objects.visible_to(user)
        .active()
        .exclude(stage__in=[Stage.DROPPED])
        .only("pk", "name")
        .order_by("name")
    )


class CalendarFilterForm(forms.Form):
    """Whose week the calendar shows: a person or an area, both pickers (HQ sees every person and 1,000 areas).
    Drawn only: the page looks the chosen one up itself, answering 404 outside the caller's scope."""

    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    area = forms.ModelChoiceField(
        label=_("or area"),
        queryset=Area.objects.none(),
        required=False,
        widget=Picker("api-pick-areas", label=lambda area: area.long_name),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people(user)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        use_picker(self.fields["person"], "api-pick-people", params={"role": sorted(LOOP_ROLES)})


class PlanForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    planned_for = forms.DateField(label=_("Date"), widget=DATE)
    planned_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    assignee = forms.ModelChoiceField(label=_("Who goes"), queryset=User.objects.none())
    companions = forms.ModelMultipleChoiceField(
        label=_("Colleagues going along"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    from_screening = forms.BooleanField(
        label=_("Carry over the screening plan"),
        required=False,
        help_text=_("Empty fields below are filled from the visit plan written at screening."),
    )
    key_points = forms.CharField(label=_("Key points"), required=False, widget=SHORT_TEXT)
    topics = forms.CharField(label=_("What to discuss"), required=False, widget=SHORT_TEXT)
    department_head = forms.CharField(label=_("Department head to see"), required=False, max_length=100)
    relationships = forms.CharField(label=_("Relationships to use"), required=False, widget=SHORT_TEXT)
    needs_initial_quote = forms.BooleanField(label=_("Bring an initial quote"), required=False)
    needs_route_combination = forms.BooleanField(
        label=_("Bring an advantage-route combination"), required=False
    )
    superior_requested = forms.BooleanField(label=_("Ask for a superior to come along"), required=False)
    superior = forms.ModelChoiceField(
        label=_("Which superior"), queryset=User.objects.none(), required=False, help_text=_("Optional.")
    )
    superior_request_note = forms.CharField(
        label=_("Why a superior should come"), required=False, widget=SHORT_TEXT
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = _people(user)
        self.fields["client"].queryset = _clients(user)
        self.fields["assignee"].queryset = people
        self.fields["companions"].queryset = people
        self.fields["superior"].queryset = people.exclude(role__in=["area_marketer"])
        use_picker(self.fields["client"], "api-pick-clients")
        for name in ("assignee", "companions", "superior"):
            use_picker(self.fields[name], "api-pick-people", params={"role": sorted(LOOP_ROLES)})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class RecordForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    plan = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who went"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    met = forms.CharField(label=_("Who was met"), widget=SHORT_TEXT, help_text=_("Names and titles."))
    met_contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts met"),
        queryset=ClientContact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    situation = forms.CharField(label=_("S: situation"), required=False, widget=SHORT_TEXT)
    problem = forms.CharField(label=_("P: problem"), required=False, widget=SHORT_TEXT)
    implication = forms.CharField(label=_("I: implication"), required=False, widget=SHORT_TEXT)
    need_payoff = forms.CharField(label=_("N: need-payoff"), required=False, widget=SHORT_TEXT)
    notes = forms.CharField(label=_("Notes"), required=False, widget=SHORT_TEXT)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices])
    next_step = forms.CharField(label=_("Next step"), required=False, widget=SHORT_TEXT)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)
    photos = MultipleImageField(label=_("Photos"), required=False)
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    accuracy = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=0)
    located_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = _clients(user)
        self.fields["attendees"].queryset = _people(user)
        use_picker(self.fields["client"], "api-pick-clients")
        use_picker(self.fields["attendees"], "api-pick-people", params={"role": sorted(LOOP_ROLES)})
        if client is not None:
            self.fields["met_contacts"].queryset = ClientContact.objects.filter(client=client)
        else:
            del self.fields["met_contacts"]


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=SHORT_TEXT)

"""Forms of the task pages. Validation of what is written happens in agenda/services.py (the API shares it);
these only parse."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from config.widgets import use_picker
from pipeline.models import Client

from . import services
from .models import TaskSettings
from .selectors import Status

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> accepts


def _person_label(person: User) -> str:
    return f"{person} · {person.area}" if person.area_id else str(person)


def _people(user: User, form: forms.Form, field: str):
    """Whom `user` may choose (headquarters answer for everybody): offered by a picker, checked on posting."""
    return services.assignable_by(user).select_related("area")


class TaskForm(forms.Form):
    title = forms.CharField(label=_("What is to be done"), max_length=services.MAX_TITLE)
    assignee = forms.ModelChoiceField(label=_("Who does it"), queryset=User.objects.none())
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.none(), required=False, empty_label=_("No client")
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, user, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _people(user, self, "assignee")
        self.fields["assignee"].label_from_instance = _person_label
        self.fields["assignee"].initial = user.pk
        # The client comes from the client's page, or is picked among those in scope.
        clients = Client.objects.visible_to(user).active()
        if client is not None:
            self.fields["client"].queryset = clients.filter(pk=client.pk)
            self.fields["client"].initial = client.pk
        else:
            self.fields["client"].queryset = clients
            use_picker(self.fields["client"], "api-pick-clients")
        use_picker(self.fields["assignee"], "api-pick-people")


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open and snoozed")),
            (Status.OPEN, pgettext_lazy("task status", "Open")),
            (Status.SNOOZED, pgettext_lazy("task status", "Snoozed")),
            (Status.DONE, pgettext_lazy("task status", "Done")),
        ],
    )
    assignee = forms.ModelChoiceField(
        label=_("Whose"), queryset=User.objects.none(), required=False, empty_label=_("Mine and my people's")
    )
    due_before = forms.DateField(label=_("Due before"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _people(user, self, "assignee")
        self.fields["assignee"].label_from_instance = _person_label
        if not User.objects.managed_by(user).exists():
            del self.fields["assignee"]
        else:
            use_picker(self.fields["assignee"], "api-pick-people")


class SnoozeForm(forms.Form):
    """One tap: `days` (1, 3 or 7); or a chosen day, `until`."""

    days = forms.TypedChoiceField(choices=[(1, "1"), (3, "3"), (7, "7")], coerce=int, required=False)
    until = forms.DateField(required=False, widget=DATE)

    def until_from(self, today: datetime.date) -> datetime.date | None:
        if self.cleaned_data.get("until"):
            return self.cleaned_data["until"]
        days = self.cleaned_data.get("days")
        return today + datetime.timedelta(days=days) if days else None


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TaskSettings
        fields = [
            "next_step",
            "proposal",
            "proposal_days",
            "trial",
            "trial_days",
            "contract",
            "contract_first_days",
            "contract_second_days",
            "return_visit",
            "high_level",
            "high_level_months",
            "win_back",
            "win_back_days",
            "leads_review",
            "day_end_hour",
            "leads_escalate_days",
            "escalate_days",
        ]

    def _post_clean(self):
        # Model validation runs in the service, where it covers the API and the admin too.
        pass

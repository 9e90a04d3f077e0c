from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Station
from config.filtering import instant_utc
from outbox.events import EVENT_TYPES

from .models import Scope

EVENT_LABELS = {
    "lead.created": _("A lead is submitted"),
    "lead.accepted": _("A lead is accepted"),
    "client.stage_changed": _("A client moves to another step"),
    "contract.signed": _("A contract is signed"),
    "flag.raised": _("A miss flag is raised"),
    "flag.resolved": _("A miss flag is resolved"),
    "complaint.opened": _("A complaint is opened"),
    "complaint.escalated": _("A complaint is escalated"),
    "survey.responded": _("A survey is answered"),
}


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Key name"), max_length=100, help_text=_("Which system uses the key."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.all(),
        required=False,
        empty_label=_("The whole network"),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a key that does not expire."),
    )

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        return None if value is None else instant_utc(value)


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e, EVENT_LABELS[e]) for e in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

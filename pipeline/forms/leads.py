"""Forms of leads (step 1) and their review. They parse what the browser sent; the services validate with the
rules every door shares, and views put the services' errors back on these forms."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Area, User
from config.widgets import Picker

from ..models import Competitor, Lead
from ..models.clients import CompanyType, ContactRole, Source
from ..models.leads import LeadStatus, RejectReason
from ..services.validation import LEAD_FIELDS

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "min": "0"}


def with_empty(choices, empty="—"):
    return [("", empty), *choices]


class LeadForm(forms.Form):
    """The customer-information form (客户资料收集表): what the courier fills on the phone, and its completion."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    company_name = forms.CharField(
        label=_("Company name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    contact_title = forms.CharField(label=pgettext_lazy("job", "Title"), max_length=100, required=False)
    contact_role = forms.ChoiceField(label=_("Role"), choices=with_empty(ContactRole.choices), required=False)
    photos = forms.FileField(
        label=_("Business card photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    inbound_monthly = forms.CharField(
        label=_("Inbound / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    outbound_monthly = forms.CharField(
        label=_("Outbound / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    our_monthly = forms.CharField(
        label=_("Ours / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    company_type = forms.ChoiceField(
        label=_("Company type"), choices=with_empty(CompanyType.choices), required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.COURIER_ROUTE)
    needs = forms.CharField(label=_("Needs heard"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    EXTRA_CONTACTS = 2

    def __init__(self, *args, competitors=None, with_key: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.competitors = list(
            competitors if competitors is not None else Competitor.objects.filter(is_active=True)
        )
        for c in self.competitors:
            self.fields[f"competitor_{c.pk}"] = forms.CharField(
                label=c.short_name and f"{c.name}" or c.name,
                required=False,
                widget=forms.TextInput(attrs=NUMBER),
            )
        for i in range(self.EXTRA_CONTACTS):
            self.fields[f"contact{i}_name"] = forms.CharField(label=_("Name"), max_length=100, required=False)
            self.fields[f"contact{i}_title"] = forms.CharField(
                label=pgettext_lazy("job", "Title"), max_length=100, required=False
            )
            self.fields[f"contact{i}_role"] = forms.ChoiceField(
                label=_("Role"), choices=with_empty(ContactRole.choices), required=False
            )
            self.fields[f"contact{i}_phone"] = forms.CharField(
                label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
            )
        if with_key and not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def competitor_fields(self):
        return [self[f"competitor_{c.pk}"] for c in self.competitors]

    def contact_rows(self):
        return [
            [self[f"contact{i}_{name}"] for name in ("name", "title", "role", "phone")]
            for i in range(self.EXTRA_CONTACTS)
        ]

    def service_data(self) -> dict:
        """What the services take: the form's fields, competitors and further contacts."""
        cd = self.cleaned_data
        data = {name: cd.get(name, "") for name in LEAD_FIELDS}
        data["competitors"] = [
            {"competitor": c, "monthly": cd[f"competitor_{c.pk}"]}
            for c in self.competitors
            if (cd.get(f"competitor_{c.pk}") or "").strip()
        ]
        data["contacts"] = [
            {name: cd.get(f"contact{i}_{name}", "") for name in ("name", "title", "role", "phone")}
            for i in range(self.EXTRA_CONTACTS)
            if any((cd.get(f"contact{i}_{name}") or "").strip() for name in ("name", "phone"))
        ]
        return data

    @classmethod
    def initial_for(cls, lead: Lead) -> dict:
        initial = {
            name: getattr(lead, name)
            for name in (
                "company_name",
                "contact_name",
                "contact_title",
                "contact_role",
                "contact_phone",
                "address",
                "industry",
                "company_type",
                "source",
                "inbound_monthly",
                "outbound_monthly",
                "our_monthly",
                "needs",
                "notes",
            )
        }
        for lc in lead.competitors.all():
            initial[f"competitor_{lc.competitor_id}"] = lc.monthly
        for i, contact in enumerate(list(lead.contacts.all())[: cls.EXTRA_CONTACTS]):
            for name in ("name", "title", "role", "phone"):
                initial[f"contact{i}_{name}"] = getattr(contact, name)
        return initial


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What is missing"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    category = forms.ChoiceField(label=_("Why"), choices=RejectReason.choices)
    reason = forms.CharField(label=_("Details"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class LeadFilterForm(forms.Form):
    """The lead list page's filter: it parses what the browser sent and hands it to the one lead list selector
    (pipeline/selectors/leads.py) under the API's names. Collector and area are pickers: HQ sees 11,000 people."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=with_empty(LeadStatus.choices, _("All statuses")), required=False
    )
    collected_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    collected_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    collected_by = forms.ModelChoiceField(
        label=_("Collector"), queryset=User.objects.none(), required=False, widget=Picker("api-pick-people")
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        widget=Picker("api-pick-areas", label=lambda area: area.long_name),
    )

    PARAMS = {
        "q": "q",
        "status": "status",
        "collected_from": "collected_on_after",
        "collected_to": "collected_on_before",
        "collected_by": "collected_by",
        "area": "area",
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collected_by"].queryset = User.objects.visible_to(user)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        if user.role == "courier":
            del self.fields["collected_by"]
            del self.fields["area"]

    def params(self) -> dict:
        """The selector's parameters for what was valid (an invalid field filters nothing, as before)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        out = {}
        for name, param in self.PARAMS.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            out[param] = getattr(value, "pk", value)
        if "status" in out:
            out["status"] = [out["status"]]  # a multiple choice in the selector
        return out

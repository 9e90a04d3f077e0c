"""Forms of client records: the client list's filter, the profile, contacts, the visit plan, competitor volumes,
merging, the competitors list and the screening price."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Area
from config.widgets import Picker

from ..models import Client, Competitor
from ..models.clients import CompanyType, ContactRole, Difficulty, Source
from ..models.loop import Stage
from ..services import screening
from .leads import NUMBER, with_empty


def area_picker():
    return Picker("api-pick-areas", label=lambda area: area.long_name)


class ClientFilterForm(forms.Form):
    """The client and screening pages' filter: parses what the browser sent and hands it to the one client list
    selector (pipeline/selectors/clients.py) under the API's names."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=with_empty(Stage.choices, _("All stages")), required=False
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, widget=area_picker()
    )
    signal = forms.ChoiceField(
        label=_("Signal"),
        choices=with_empty([(s.code, s.label) for s in screening.SIGNALS], _("Any signal")),
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("priority", _("Priority")),
            ("revenue", _("Expected revenue")),
            ("updated", _("Last change")),
            ("name", pgettext_lazy("of a thing", "Name")),
        ],
        required=False,
    )

    def __init__(self, data=None, *, user, default_sort: str, **kwargs):
        # The order shown in "Sort by" is the order of the rows: without a choice, the page's own default.
        if data is not None and not data.get("sort"):
            data = data.copy()
            data["sort"] = default_sort
        super().__init__(data, **kwargs)
        self.default_sort = default_sort
        self.fields["sort"].initial = default_sort
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")

    def params(self) -> dict:
        """The selector's parameters for what was valid (an invalid field filters nothing)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        out = {}
        for name in ("q", "stage", "area", "signal"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = getattr(value, "pk", value)
        if "stage" in out:
            out["stage"] = [out["stage"]]  # a multiple choice in the selector
        return out

    def order(self) -> str:
        return (
            self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        ) or self.default_sort


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        widget=area_picker(),
        help_text=_("Empty: my area."),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    company_type = forms.ChoiceField(
        label=_("Company type"), choices=with_empty(CompanyType.choices), required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.COURIER_ROUTE)
    inbound_monthly = forms.CharField(
        label=_("Inbound / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    outbound_monthly = forms.CharField(
        label=_("Outbound / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    our_monthly = forms.CharField(
        label=_("Ours / month"), required=False, widget=forms.TextInput(attrs=NUMBER)
    )
    needs = forms.CharField(label=_("Needs heard"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    waybill_code = forms.CharField(
        label=_("Waybill system code"),
        max_length=60,
        required=False,
        help_text=_("The client's code in the waybill system, which sends its monthly volumes."),
    )
    difficulty_manual = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=with_empty(Difficulty.choices, _("Computed from the profile")),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        names = [n for n in cls.base_fields if n != "area"]
        return {**{n: getattr(client, n) for n in names}, "area": client.area_id}

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "area"}


class NewClientForm(ClientForm):
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    contact_role = forms.ChoiceField(label=_("Role"), choices=with_empty(ContactRole.choices), required=False)

    def service_data(self) -> dict:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("area", "contact_name", "contact_phone", "contact_role")
        }

    def contacts(self) -> list[dict]:
        cd = self.cleaned_data
        if not (cd.get("contact_name") or cd.get("contact_phone")):
            return []
        return [
            {
                "name": cd.get("contact_name") or cd["name"],
                "phone": cd.get("contact_phone", ""),
                "role": cd.get("contact_role", ""),
            }
        ]


class ContactForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    title = forms.CharField(label=pgettext_lazy("job", "Title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    phone2 = forms.CharField(
        label=_("Other phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    delete = forms.BooleanField(label=_("Remove"), required=False)


ContactFormSet = forms.formset_factory(ContactForm, extra=2, max_num=20)


class VisitPlanForm(forms.Form):
    plan_key_points = forms.CharField(
        label=_("Key points"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    plan_initial_quote = forms.BooleanField(label=_("An initial quote is needed"), required=False)
    plan_route_combination = forms.BooleanField(
        label=_("An advantage-route combination is needed"), required=False
    )
    plan_topics = forms.CharField(
        label=_("Topics to discuss"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    plan_department_head = forms.CharField(label=_("Department head to see"), required=False, max_length=200)
    plan_relationships = forms.CharField(
        label=_("Relationships to use"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    plan_superior_needed = forms.BooleanField(label=_("A superior must come along"), required=False)
    difficulty_manual = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=with_empty(Difficulty.choices, _("Computed from the profile")),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def plan(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k.startswith("plan_")}


class VolumesForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m", "%Y-%m-%d"]
    )

    def __init__(self, *args, competitors, **kwargs):
        super().__init__(*args, **kwargs)
        self.competitors = list(competitors)
        for c in self.competitors:
            self.fields[f"competitor_{c.pk}"] = forms.CharField(
                label=c.name, required=False, widget=forms.TextInput(attrs=NUMBER)
            )

    def competitor_fields(self):
        return [self[f"competitor_{c.pk}"] for c in self.competitors]

    def volumes(self) -> list[dict]:
        return [
            {"competitor": c, "monthly": self.cleaned_data[f"competitor_{c.pk}"]}
            for c in self.competitors
            if (self.cleaned_data.get(f"competitor_{c.pk}") or "").strip()
        ]


class MergeForm(forms.Form):
    other = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["name", "short_name", "products", "prices_seen", "strengths", "notes", "is_active"]
        widgets = {
            n: forms.Textarea(attrs={"rows": 3}) for n in ("products", "prices_seen", "strengths", "notes")
        }

    def _post_clean(self):
        # Model validation runs in the service, where it also covers the API.
        pass


class PriceForm(forms.Form):
    station = forms.IntegerField(widget=forms.HiddenInput)
    average_parcel_price = forms.DecimalField(
        label=_("Average price per parcel (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )

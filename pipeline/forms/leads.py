"""Forms of steps 1-2. They parse what the browser sent; the services validate with the rules every door shares,
and views put the services' errors back on these forms."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Area, User

from ..models import Client, Competitor, Lead
from ..models.clients import CompanyType, ContactRole, Difficulty, Source
from ..models.imports import ImportKind
from ..models.leads import LeadStatus, RejectReason
from ..models.loop import Stage
from ..services import screening
from ..services.validation import LEAD_FIELDS

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "min": "0"}


def _choices(choices, empty="—"):
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
    contact_title = forms.CharField(label=_("Title"), max_length=100, required=False)
    contact_role = forms.ChoiceField(label=_("Role"), choices=_choices(ContactRole.choices), required=False)
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
        label=_("Company type"), choices=_choices(CompanyType.choices), required=False
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
                label=_("Title"), max_length=100, required=False
            )
            self.fields[f"contact{i}_role"] = forms.ChoiceField(
                label=_("Role"), choices=_choices(ContactRole.choices), required=False
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
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(LeadStatus.choices, _("All statuses")), required=False
    )
    collected_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    collected_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    collected_by = forms.ModelChoiceField(label=_("Collector"), queryset=User.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collected_by"].queryset = User.objects.visible_to(user).order_by("username")
        self.fields["collected_by"].empty_label = _("Everybody")
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        self.fields["area"].empty_label = _("All areas")
        if user.role == "courier":
            del self.fields["collected_by"]
            del self.fields["area"]

    def filter(self, qs):
        if not self.is_valid():
            return qs
        cd = self.cleaned_data
        if cd.get("q"):
            from django.db.models import Q

            qs = qs.filter(
                Q(company_name__icontains=cd["q"])
                | Q(contact_name__icontains=cd["q"])
                | Q(contact_phone__contains=cd["q"])
            )
        if cd.get("status"):
            qs = qs.filter(status=cd["status"])
        if cd.get("collected_from"):
            qs = qs.filter(collected_on__gte=cd["collected_from"])
        if cd.get("collected_to"):
            qs = qs.filter(collected_on__lte=cd["collected_to"])
        if cd.get("collected_by"):
            qs = qs.filter(collected_by=cd["collected_by"])
        if cd.get("area"):
            qs = qs.filter(area=cd["area"])
        return qs


SORTS = {
    "priority": ("-priority_score", "-expected_revenue", "pk"),
    "revenue": ("-expected_revenue", "pk"),
    "updated": ("-updated_at", "-pk"),
    "name": ("name", "pk"),
}


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=_choices(Stage.choices, _("All stages")), required=False
    )
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False)
    signal = forms.ChoiceField(
        label=_("Signal"),
        choices=_choices([(s.code, s.label) for s in screening.SIGNALS], _("Any signal")),
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("priority", _("Priority")),
            ("revenue", _("Expected revenue")),
            ("updated", _("Last change")),
            ("name", _("Name")),
        ],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        self.fields["area"].empty_label = _("All areas")

    def filter(self, qs, default_sort="priority"):
        sort = default_sort
        if self.is_valid():
            cd = self.cleaned_data
            if cd.get("q"):
                from ..api.clients import ClientFilter

                qs = ClientFilter().search(qs, "q", cd["q"])
            if cd.get("stage"):
                qs = qs.filter(stage=cd["stage"])
            if cd.get("area"):
                qs = qs.filter(area=cd["area"])
            if cd.get("signal"):
                qs = qs.filter(screening.SIGNALS_BY_CODE[cd["signal"]].filter)
            sort = cd.get("sort") or default_sort
        return qs.order_by(*SORTS[sort])


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    company_type = forms.ChoiceField(
        label=_("Company type"), choices=_choices(CompanyType.choices), required=False
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
    difficulty_manual = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=_choices(Difficulty.choices, _("Computed from the profile")),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        self.fields["area"].empty_label = _("My area")

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
    contact_role = forms.ChoiceField(label=_("Role"), choices=_choices(ContactRole.choices), required=False)

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
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
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
        choices=_choices(Difficulty.choices, _("Computed from the profile")),
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


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class PriceForm(forms.Form):
    station = forms.IntegerField(widget=forms.HiddenInput)
    average_parcel_price = forms.DecimalField(
        label=_("Average price per parcel (yuan)"), max_digits=8, decimal_places=2, min_value=0
    )

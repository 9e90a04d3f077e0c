"""Forms of the loop pages (steps 3-10 and the key-account fields). They parse; the services validate and write."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Area, User
from accounts.roles import OWNER_ROLES
from config.widgets import Picker, use_picker

from ..models import Competitor, Contract, NeedsAnalysis, Opportunity
from ..models.clients import CompanyType, RelationshipStage, Tier
from ..models.loop import DropReason, ProposalStatus, RegressionCause, RegressionKind, SettlementMode, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> accepts
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})


class _ChosenId(forms.ModelChoiceField):
    """A chosen id, not looked up: the filter applies it to clients already scoped, and the picker names it from
    its own scoped queryset (drawing a bound field validates the form: that would be a query per field)."""

    def to_python(self, value):
        return int(value) if str(value or "").isdecimal() else None


class LoopFilterForm(forms.Form):
    """The kanban's and the funnel's filter: an area and an owner, both pickers (HQ sees 1,000 areas and every
    owner of the network), or "my clients" (`owner=me`, as links and bookmarks write it)."""

    area = _ChosenId(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        widget=Picker("api-pick-areas", label=lambda area: area.long_name),
    )
    owner = _ChosenId(label=_("Owner"), queryset=User.objects.none(), required=False)
    mine = forms.BooleanField(label=_("My clients"), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        data = data.copy() if data is not None else {}
        if data.get("owner") == "me":
            data["owner"], data["mine"] = "", "1"
        super().__init__(data, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        self.fields["owner"].queryset = User.objects.visible_to(user).filter(role__in=OWNER_ROLES)
        use_picker(self.fields["owner"], "api-pick-people", params={"role": sorted(OWNER_ROLES)})

    def filter(self, clients, user):
        """`clients` (already scoped to `user`) narrowed by the ids sent: an id outside the scope finds nothing,
        so they need no query of their own to validate. Afterwards `narrowed` says whether any filter applied."""
        area, owner = self.data.get("area") or "", self.data.get("owner") or ""
        self.narrowed = False
        if area.isdecimal():
            clients = clients.filter(area_id=int(area))
            self.narrowed = True
        if self.data.get("mine"):
            clients = clients.filter(owner=user)
            self.narrowed = True
        elif owner.isdecimal():
            clients = clients.filter(owner_id=int(owner))
            self.narrowed = True
        return clients


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(label=_("Reason"), required=False, widget=SHORT_TEXT)
    drop_reason = forms.ChoiceField(
        label=_("Why dropped"), required=False, choices=[("", "—"), *DropReason.choices]
    )
    expected_from = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput, required=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(t, Stage(t).label) for t in targets]


class SurveyForm(forms.Form):
    company_type = forms.ChoiceField(label=_("Company type"), choices=[("", "—"), *CompanyType.choices])
    decision_structure = forms.CharField(
        label=_("Decision structure"),
        required=False,
        widget=SHORT_TEXT,
        help_text=_("Who decides, who influences, how a supplier is chosen."),
    )
    dm_name = forms.CharField(label=_("Key decision maker"), required=False, max_length=100)
    dm_title = forms.CharField(label=_("Their title"), required=False, max_length=100)
    dm_phone = forms.CharField(label=_("Their phone"), required=False, max_length=40)
    insider_name = forms.CharField(label=_("Insider"), required=False, max_length=100)
    insider_title = forms.CharField(label=_("Insider's title"), required=False, max_length=100)
    insider_phone = forms.CharField(label=_("Insider's phone"), required=False, max_length=40)
    competitor = forms.ModelChoiceField(
        label=_("Competitor serving them"), queryset=Competitor.objects.all(), required=False
    )
    competitor_monthly = forms.IntegerField(label=_("Their parcels per month"), required=False, min_value=0)
    competitors_notes = forms.CharField(label=_("Competitors: notes"), required=False, widget=SHORT_TEXT)
    notes = forms.CharField(label=_("Notes"), required=False, widget=SHORT_TEXT)

    def clean(self):
        data = super().clean()
        if data.get("competitor") and data.get("competitor_monthly") is None:
            self.add_error("competitor_monthly", _("How many parcels a month does this competitor carry?"))
        return data

    def contacts(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"name": d["dm_name"], "title": d["dm_title"], "phone": d["dm_phone"], "role": "decision_maker"},
            {
                "name": d["insider_name"],
                "title": d["insider_title"],
                "phone": d["insider_phone"],
                "role": "insider",
            },
        ]


class NeedsForm(forms.ModelForm):
    class Meta:
        model = NeedsAnalysis
        fields = [*NeedsAnalysis.NEED_FIELDS, *NeedsAnalysis.TQCSO_FIELDS]
        widgets = {name: SHORT_TEXT for name in fields}


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Solution"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    service_commitments = forms.CharField(label=_("Service commitments"), required=False, widget=SHORT_TEXT)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"), choices=ProposalStatus.choices, initial=ProposalStatus.DRAFT
    )


class QuoteLineForm(forms.Form):
    product = forms.CharField(label=_("Product"), max_length=100, required=False)
    route = forms.CharField(label=_("Route"), max_length=200, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price (yuan)"), max_digits=10, decimal_places=2, required=False
    )
    discount = forms.DecimalField(label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False)
    volume_from = forms.IntegerField(label=_("From parcels/month"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("product") and data.get("unit_price") is None:
            self.add_error("unit_price", _("Give the unit price."))
        if data.get("unit_price") is not None and not data.get("product"):
            self.add_error("product", _("Name the product."))
        return data


# One empty line to start with; "Add a line" (lantou.js) adds more, up to 30.
QuoteLineFormSet = formset_factory(QuoteLineForm, extra=1, max_num=30)


class ProposalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProposalStatus.choices)


class TrialShipmentForm(forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DATE)
    waybill_numbers = forms.CharField(
        label=_("Waybill numbers"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One per line.")
    )
    parcel_count = forms.IntegerField(label=_("Parcels"), min_value=1)
    on_time_count = forms.IntegerField(label=_("Delivered on time"), required=False, min_value=0)
    damaged_count = forms.IntegerField(label=_("Damaged"), required=False, min_value=0)
    feedback = forms.CharField(label=_("Customer feedback"), required=False, widget=SHORT_TEXT)


class TrialResultsForm(forms.Form):
    on_time_count = forms.IntegerField(label=_("Delivered on time"), min_value=0)
    damaged_count = forms.IntegerField(label=_("Damaged"), min_value=0)
    feedback = forms.CharField(label=_("Customer feedback"), required=False, widget=SHORT_TEXT)


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "number",
            "signed_on",
            "starts_on",
            "ends_on",
            "price_terms",
            "committed_monthly_volume",
            "settlement_mode",
            "attachment",
        ]
        widgets = {
            "signed_on": DATE,
            "starts_on": DATE,
            "ends_on": DATE,
            "price_terms": SHORT_TEXT,
            # What the service keeps (config/files.py); the phone offers these first.
            "attachment": forms.ClearableFileInput(
                attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png,.webp"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["settlement_mode"].choices = SettlementMode.choices

    def _post_clean(self):
        # The service runs the model's validation (and more) and reports it on the form.
        pass


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value


class EvaluationForm(forms.Form):
    month = forms.DateField(label=_("Month"), widget=MonthInput, input_formats=["%Y-%m", "%Y-%m-%d"])
    actual_volume = forms.IntegerField(label=_("Actual parcels"), min_value=0)
    committed_volume = forms.IntegerField(
        label=_("Committed parcels"),
        required=False,
        min_value=0,
        help_text=_("Empty: the contract's figure."),
    )
    notes = forms.CharField(label=_("Evaluation"), required=False, widget=SHORT_TEXT)


class OpportunityForm(forms.ModelForm):
    reopen = forms.BooleanField(
        label=_("Re-open the archived client in follow-up"), required=False, initial=True
    )

    class Meta:
        model = Opportunity
        fields = ["kind", "description", "expected_monthly_volume"]
        widgets = {"description": SHORT_TEXT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_monthly_volume"].required = False

    def _post_clean(self):
        pass


class OwnerTransferForm(forms.Form):
    to_owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, widget=SHORT_TEXT)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = (
            User.objects.visible_to(user)
            .filter(is_active=True, role__in=OWNER_ROLES)
            .order_by("role", "username")
        )
        use_picker(self.fields["to_owner"], "api-pick-people", params={"role": sorted(OWNER_ROLES)})


class TierForm(forms.Form):
    # No tier yet reads "—", never as the first tier.
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", "—"), *Tier.choices])
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class RelationshipForm(forms.Form):
    to = forms.ChoiceField(label=_("Relationship stage"), choices=RelationshipStage.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=SHORT_TEXT)


class RegressionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RegressionKind.choices)
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    cause = forms.ChoiceField(label=_("Cause"), choices=RegressionCause.choices)
    controllable = forms.TypedChoiceField(
        label=_("Controllable"),
        choices=[("", _("Judge by the cause")), ("1", _("Controllable")), ("0", _("Uncontrollable"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label=_("What happened"), widget=SHORT_TEXT)
    relationship_to = forms.ChoiceField(
        label=_("Relationship stage now"),
        choices=[("", _("Unchanged")), *RelationshipStage.choices],
        required=False,
    )

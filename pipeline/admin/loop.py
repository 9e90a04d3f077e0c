"""Administration of steps 3-10: the step records, read-only (they are written through pages and API), and the
admin action that moves clients through pipeline/transitions.py like every other door."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Contract,
    Evaluation,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    QuoteLine,
    Regression,
    RelationshipChange,
    StageChange,
    Survey,
    TrialShipment,
)
from ..models.loop import DropReason, Stage
from ..services import transitions


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("Move to"), choices=Stage.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    drop_reason = forms.ChoiceField(
        label=gettext_lazy("Why dropped"), required=False, choices=[("", "—"), *DropReason.choices]
    )


@admin.action(description=gettext_lazy("Move to a stage…"))
def move_clients(modeladmin, request, queryset):
    """Ask where to, then move each selected client through the transitions module; report each refusal."""
    form = MoveForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        moved, refused = 0, []
        for client in queryset.order_by("pk"):
            try:
                transitions.move(
                    client=client,
                    to=form.cleaned_data["to"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    drop_reason=form.cleaned_data["drop_reason"],
                )
            except (ValidationError, PermissionDenied) as exc:
                detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                refused.append(f"{client}: {detail}")
            else:
                moved += 1
        if moved:
            modeladmin.message_user(request, _("%(n)s client(s) moved.") % {"n": moved}, messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, messages.ERROR)
        return None
    return TemplateResponse(
        request,
        "admin/pipeline/move_clients.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Move clients"),
            "clients": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


class RecordAdmin(admin.ModelAdmin):
    """Step records are read here; pages and the API write them through the services."""

    list_select_related = ["client", "by"]
    search_fields = ["client__name"]
    raw_id_fields = ["client"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageChange)
class StageChangeAdmin(RecordAdmin):
    list_display = ["at", "client", "from_stage", "to_stage", "by", "days_in_previous", "drop_reason"]
    list_filter = ["to_stage", "from_stage", "drop_reason"]
    date_hierarchy = "at"


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    readonly_fields = ["product", "route", "unit_price", "discount", "volume_from"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(RecordAdmin):
    list_display = ["client", "version", "title", "status", "created_at"]
    list_filter = ["status"]
    inlines = [QuoteLineInline]


@admin.register(Contract)
class ContractAdmin(RecordAdmin):
    def get_readonly_fields(self, request, obj=None):
        # The document through the page that checks scope: the storage itself is served by nothing.
        return [
            name if name != "attachment" else "document" for name in super().get_readonly_fields(request, obj)
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=gettext_lazy("attachment"))
    def document(self, obj):
        if not obj.attachment:
            return "—"
        url = reverse("pipeline:contract_attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.attachment_name or gettext_lazy("Download"))

    list_display = [
        "client",
        "signed_on",
        "starts_on",
        "ends_on",
        "committed_monthly_volume",
        "settlement_mode",
    ]
    list_filter = ["settlement_mode"]


@admin.register(Regression)
class RegressionAdmin(RecordAdmin):
    list_display = ["client", "kind", "cause", "controllable", "occurred_on"]
    list_filter = ["kind", "cause", "controllable"]


for model, columns in (
    (Survey, ["client", "created_at", "by"]),
    (NeedsAnalysis, ["client", "created_at", "by"]),
    (TrialShipment, ["client", "sent_on", "parcel_count", "on_time_count", "damaged_count"]),
    (Evaluation, ["client", "month", "committed_volume", "actual_volume"]),
    (Opportunity, ["client", "kind", "status", "expected_monthly_volume"]),
    (OwnerTransfer, ["client", "from_owner", "to_owner", "created_at", "by"]),
    (RelationshipChange, ["client", "from_stage", "to_stage", "created_at", "by"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (RecordAdmin,), {"list_display": columns}))

"""Administration of steps 1-2. Records are written through the services (pages and API); here they are mostly
read, and the competitors list and per-station screening prices are edited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from accounts.roles import COMPETITOR_EDITORS

from ..models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    ClientMerge,
    Competitor,
    ImportJob,
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
    ScreeningSettings,
)
from .loop import move_clients  # also registers the step records of steps 3-10


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LeadContactInline(ReadOnlyInline):
    model = LeadContact
    fields = ["name", "title", "role", "phone", "phone2"]


class LeadCompetitorInline(ReadOnlyInline):
    model = LeadCompetitor
    fields = ["competitor", "monthly"]


class LeadPhotoInline(ReadOnlyInline):
    model = LeadPhoto
    fields = ["photo", "uploaded_by", "uploaded_at"]
    readonly_fields = ["photo", "uploaded_by", "uploaded_at"]

    @admin.display(description=gettext_lazy("photo"))
    def photo(self, obj):
        # Through the page that checks scope: the storage itself is served by nothing.
        return format_html('<a href="{}">{}</a>', reverse("pipeline:lead_photo", args=[obj.pk]), obj.pk)


class LeadEventInline(ReadOnlyInline):
    model = LeadEvent
    fields = ["at", "action", "by", "reason"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["company_name", "contact_phone", "collected_by", "collected_on", "area", "status"]
    list_filter = ["status", "reject_reason", "source", "station", "collected_on"]
    search_fields = ["company_name", "contact_name", "contact_phone", "phone_normalized"]
    date_hierarchy = "collected_on"
    list_select_related = ["collected_by", "area"]
    raw_id_fields = ["collected_by", "created_by", "reviewed_by", "client", "duplicate_of", "import_job"]
    readonly_fields = [f.name for f in Lead._meta.fields]
    inlines = [LeadContactInline, LeadCompetitorInline, LeadPhotoInline, LeadEventInline]

    def has_add_permission(self, request):
        return (
            False  # leads come in through the capture form, the API or an import (they count for the quota)
        )

    def has_delete_permission(self, request, obj=None):
        return False


class ClientContactInline(ReadOnlyInline):
    model = ClientContact
    fields = ["name", "title", "role", "phone", "phone2", "email"]


class ClientVolumeInline(ReadOnlyInline):
    model = ClientCompetitorVolume
    fields = ["month", "competitor", "monthly"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "area", "stage", "priority_score", "expected_revenue", "merged_into"]
    list_filter = ["stage", "tier", "station", "source"]
    search_fields = ["name", "normalized_name"]
    list_select_related = ["station", "area", "merged_into"]
    readonly_fields = [f.name for f in Client._meta.fields]
    inlines = [ClientContactInline, ClientVolumeInline]
    actions = [move_clients]  # stage moves go through pipeline/transitions.py (admin_loop.py)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    """The network's one competitors list: changed by headquarters only, as on the page and the API."""

    list_display = ["name", "short_name", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "short_name"]

    def has_add_permission(self, request):
        return request.user.role in COMPETITOR_EDITORS and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.role in COMPETITOR_EDITORS and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.role in COMPETITOR_EDITORS and super().has_delete_permission(request, obj)


@admin.register(ClientMerge)
class ClientMergeAdmin(admin.ModelAdmin):
    list_display = ["at", "merged", "kept", "by"]
    readonly_fields = ["kept", "merged", "by", "at", "note", "moved"]

    def has_add_permission(self, request):
        return False


@admin.register(ScreeningSettings)
class ScreeningSettingsAdmin(admin.ModelAdmin):
    list_display = ["station", "average_parcel_price", "updated_at", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        from ..services.screening import screening_settings_update

        screening_settings_update(
            by=request.user, station=obj.station, average_parcel_price=obj.average_parcel_price
        )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "created_by",
        "created_at",
        "status",
        "created_count",
        "error_count",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

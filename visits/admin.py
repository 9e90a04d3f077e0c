"""Visits in the admin: read here, written through the pages, the API and the daily job."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from .models import VisitPhoto, VisitPlan, VisitRecord


class ReadOnly(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VisitPlan)
class VisitPlanAdmin(ReadOnly):
    list_display = ["planned_for", "client", "kind", "assignee", "status", "source", "superior_status"]
    list_filter = ["status", "kind", "source", "superior_status"]
    list_select_related = ["client", "assignee"]
    search_fields = ["client__name"]
    date_hierarchy = "planned_for"


class PhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    can_delete = False
    fields = ["photo", "created_at"]
    readonly_fields = ["photo", "created_at"]

    @admin.display(description=gettext_lazy("photo"))
    def photo(self, obj):
        # Through the page that checks scope: the storage itself is served by nothing.
        return format_html('<a href="{}">{}</a>', reverse("visits:photo", args=[obj.pk]), obj.pk)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VisitRecord)
class VisitRecordAdmin(ReadOnly):
    list_display = ["visited_at", "client", "kind", "by", "outcome"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["client", "by"]
    search_fields = ["client__name", "met"]
    date_hierarchy = "visited_at"
    inlines = [PhotoInline]

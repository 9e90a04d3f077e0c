from django.contrib import admin

from .models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Read only: targets are set through targets/services.py (the page and the API), which check who sets what."""

    list_display = ["month", "station", "area", "person", "metric", "value", "set_by", "set_at"]
    list_filter = ["metric", "station"]
    list_select_related = ["station", "area", "person", "set_by"]
    date_hierarchy = "month"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The trail in the admin: every event table listed, searchable by object, read only (no add, change or delete;
PostgreSQL's triggers refuse changes from anywhere else too)."""

from django.contrib import admin

from .models import EVENT_MODELS, UserPasswordEvent


class EventAdmin(admin.ModelAdmin):
    list_display = ["pgh_created_at", "pgh_label", "pgh_context"]
    list_filter = ["pgh_label"]
    date_hierarchy = "pgh_created_at"
    ordering = ["-pgh_created_at", "-pgh_id"]

    def get_list_display(self, request):
        if hasattr(self.model, "pgh_obj"):
            return ["pgh_created_at", "pgh_label", "pgh_obj_id", "pgh_context"]
        return self.list_display

    def get_search_fields(self, request):
        return ["=pgh_obj_id"] if hasattr(self.model, "pgh_obj") else []

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for _model in [*EVENT_MODELS.values(), UserPasswordEvent]:
    admin.site.register(_model, EventAdmin)

from django.contrib import admin

from .models import CalendarFeed, Task, TaskSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Tasks, settings and feeds are written through agenda/services.py and the rules' run only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "client",
        "assignee",
        "due_on",
        "show_on",
        "status",
        "close_reason",
        "escalated_to",
    ]
    list_filter = ["kind", "status", "station"]
    date_hierarchy = "due_on"
    list_select_related = ["client", "assignee", "escalated_to"]
    search_fields = ["title", "client__name", "assignee__username", "assignee__display_name"]


@admin.register(TaskSettings)
class TaskSettingsAdmin(ReadOnlyAdmin):
    list_display = ["station", "updated_at", "updated_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "hint", "created_at", "last_fetched_at"]
    exclude = ["digest"]

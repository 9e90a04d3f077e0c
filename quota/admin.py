from django.contrib import admin

from .models import CalendarDay, DailyTally, FlagEvent, Leave, QuotaFlag, QuotaSettings, StationDay


class ReadOnlyAdmin(admin.ModelAdmin):
    """Verdicts and flags are written by the evaluation and the flag's steps only (quota.services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DailyTally)
class DailyTallyAdmin(ReadOnlyAdmin):
    list_display = [
        "person",
        "day",
        "station",
        "area",
        "leads",
        "counted",
        "working_day",
        "met",
        "miss_streak",
    ]
    list_filter = ["station", "met", "working_day"]
    date_hierarchy = "day"
    list_select_related = ["person", "station", "area"]


@admin.register(StationDay)
class StationDayAdmin(ReadOnlyAdmin):
    list_display = [
        "station",
        "day",
        "working_day",
        "on_duty",
        "met",
        "missed",
        "flags_raised",
        "evaluated_at",
    ]
    list_filter = ["station", "working_day"]
    date_hierarchy = "day"


class FlagEventInline(admin.TabularInline):
    model = FlagEvent
    fields = ["kind", "day", "days_missed", "by", "note", "penalty", "at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuotaFlag)
class QuotaFlagAdmin(ReadOnlyAdmin):
    list_display = ["person", "area", "first_missed_on", "last_missed_on", "days_missed", "status", "penalty"]
    list_filter = ["status", "station", "penalty"]
    list_select_related = ["person", "area"]
    inlines = [FlagEventInline]


@admin.register(QuotaSettings)
class QuotaSettingsAdmin(ReadOnlyAdmin):
    """Changed on the station's settings page, where the rules on evaluated days are enforced."""

    list_display = [
        "station",
        "quota_per_day",
        "working_weekdays",
        "statutory_holidays",
        "evaluation_hour",
        "starts_on",
    ]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["station", "day", "working", "note"]
    list_filter = ["station", "working"]


@admin.register(Leave)
class LeaveAdmin(ReadOnlyAdmin):
    list_display = ["person", "first_day", "last_day", "note"]
    list_select_related = ["person"]

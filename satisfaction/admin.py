from django.contrib import admin

from .models import (
    Campaign,
    Complaint,
    ComplaintEvent,
    FollowUpTask,
    Indicator,
    IndicatorReading,
    IndicatorWarning,
    Question,
    Questionnaire,
    SurveyResponse,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    # Status moves (pilot, approval) go through the pages and the API, where the rules are enforced.
    list_display = ["title", "version", "status", "station", "approved_at"]
    list_filter = ["status", "station"]
    readonly_fields = ["status", "previous", "pilot_started_at", "approved_by", "approved_at", "created_by"]
    inlines = [QuestionInline]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "questionnaire", "schedule", "next_run_on", "status"]
    list_filter = ["kind", "status", "schedule"]
    readonly_fields = ["questionnaire", "kind", "created_by", "last_run_on"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["client", "questionnaire", "submitted_at", "average", "is_pilot", "channel"]
    list_filter = ["is_pilot", "channel"]
    list_select_related = ["client", "questionnaire"]

    def has_add_permission(self, request):
        return False


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    readonly_fields = ["kind", "from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["pk", "client", "category", "severity", "status", "due_at", "escalation_level", "owner"]
    list_filter = ["status", "severity", "category", "channel", "escalation_level"]
    search_fields = ["client__name", "description"]
    list_select_related = ["client", "owner"]
    readonly_fields = [
        "status",
        "due_at",
        "escalation_level",
        "escalated_at",
        "resolved_at",
        "closed_at",
        "created_by",
    ]
    inlines = [ComplaintEventInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "direction", "threshold", "active", "position"]
    list_editable = ["threshold", "active", "position"]


@admin.register(IndicatorReading)
class IndicatorReadingAdmin(admin.ModelAdmin):
    list_display = ["day", "client", "indicator", "value", "source"]
    list_filter = ["indicator", "source"]
    list_select_related = ["client", "indicator"]


@admin.register(IndicatorWarning)
class IndicatorWarningAdmin(admin.ModelAdmin):
    list_display = ["client", "indicator", "raised_on", "value", "threshold", "cleared_on"]
    list_filter = ["indicator"]
    list_select_related = ["client", "indicator"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ["client", "assignee", "due_on", "done_at"]
    list_select_related = ["client", "assignee"]

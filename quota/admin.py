from django.contrib import admin

from .models import DailyTally


@admin.register(DailyTally)
class DailyTallyAdmin(admin.ModelAdmin):
    list_display = ["person", "day", "station", "area", "leads", "counted", "working_day", "met"]
    list_filter = ["station", "met"]
    date_hierarchy = "day"

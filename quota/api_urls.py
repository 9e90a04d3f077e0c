from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("flags", api.FlagViewSet, basename="quota-flag")
router.register("quota/tallies", api.TallyViewSet, basename="quota-tally")
router.register("quota/leave", api.LeaveViewSet, basename="quota-leave")
router.register("quota/calendar-days", api.CalendarDayViewSet, basename="quota-calendar-day")
router.register("quota/settings", api.SettingsViewSet, basename="quota-settings")

urlpatterns = [
    path("quota/working-days/", api.WorkingDaysView.as_view(), name="quota-working-days"),
    *router.urls,
]

from django.urls import path

from . import api

urlpatterns = [
    path("dashboard/", api.StationDashboardView.as_view(), name="api-dashboard"),
    path("dashboard/stations/", api.ProvinceDashboardView.as_view(), name="api-dashboard-stations"),
    path("dashboard/notice/", api.NoticeView.as_view(), name="api-dashboard-notice"),
]

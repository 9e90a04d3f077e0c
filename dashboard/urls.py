from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.landing, name="station"),
    path("dashboard/stations/", views.province, name="province"),
    path("dashboard/stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("dashboard/areas/<int:pk>/", views.area_detail, name="area"),
    path("dashboard/notice/", views.notice, name="notice"),
    path("dashboard/notice.xlsx", views.notice_xlsx, name="notice_xlsx"),
]

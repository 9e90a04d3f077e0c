from django.urls import path, re_path

from . import views

app_name = "quota"
urlpatterns = [
    path("quota/", views.mine, name="mine"),
    path("quota/people/<int:pk>/", views.person, name="person"),
    path("quota/flags/", views.flags, name="flags"),
    path("quota/flags/<int:pk>/", views.flag_detail, name="flag"),
    re_path(
        r"^quota/flags/(?P<pk>[0-9]+)/(?P<step>investigate|assess|resolve)/$",
        views.flag_step,
        name="flag_step",
    ),
    path("quota/calendar/", views.calendar, name="calendar"),
    path("quota/settings/", views.settings_page, name="settings"),
    path("quota/leave/", views.leave, name="leave"),
    path("quota/leave/<int:pk>/delete/", views.leave_delete, name="leave_delete"),
]

from django.urls import path

from . import views

app_name = "agenda"
urlpatterns = [
    path("tasks/", views.task_list, name="list"),
    path("tasks/new/", views.task_new, name="new"),
    path("tasks/<int:pk>/", views.task_detail, name="detail"),
    path("tasks/<int:pk>/done/", views.task_done, name="done"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="snooze"),
    path("tasks/settings/", views.settings_page, name="settings"),
    path("tasks/calendar/", views.calendar_page, name="calendar"),
    path("tasks/calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]

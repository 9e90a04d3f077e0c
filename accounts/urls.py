from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person_new"),
    path("people/<int:pk>/", views.person_edit, name="person_edit"),
    path("areas/", views.areas, name="areas"),
    path("areas/new/", views.area_edit, name="area_new"),
    path("areas/<int:pk>/", views.area_edit, name="area_edit"),
]

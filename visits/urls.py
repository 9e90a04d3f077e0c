from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("visits/", views.calendar, name="calendar"),
    path("visits/plans/new/", views.plan_new, name="plan_new"),
    path("visits/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("visits/plans/<int:pk>/decide/", views.plan_decide, name="plan_decide"),
    path("visits/plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("visits/records/new/", views.record_new, name="record_new"),
    path("visits/records/<int:pk>/", views.record_detail, name="record_detail"),
    path("visits/photos/<int:pk>/", views.photo, name="photo"),
]

from django.urls import path

from . import views

# Served by ProbeMiddleware first; listed here so that the schema describes them.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("clients/<int:pk>/history/", views.client_history, name="client_history"),
    path("people/<int:pk>/history/", views.person_history, name="person_history"),
]

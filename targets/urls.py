from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("targets/", views.scorecard_page, name="scorecard"),
    path("targets/scorecard.xlsx", views.scorecard_xlsx, name="scorecard_xlsx"),
    path("targets/set/", views.targets_edit, name="edit"),
]

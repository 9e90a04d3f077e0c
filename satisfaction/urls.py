from django.urls import path

from .views import clients, complaints, indicators, public, surveys

app_name = "satisfaction"
urlpatterns = [
    # The customer's personal survey link: short, for messaging apps.
    path("s/<str:token>/", public.survey, name="survey"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<slug:action>/", complaints.complaint_action, name="complaint_action"),
    path("surveys/", surveys.questionnaire_list, name="questionnaire_list"),
    path("surveys/questionnaires/new/", surveys.questionnaire_edit, name="questionnaire_new"),
    path("surveys/questionnaires/<int:pk>/", surveys.questionnaire_detail, name="questionnaire_detail"),
    path("surveys/questionnaires/<int:pk>/edit/", surveys.questionnaire_edit, name="questionnaire_edit"),
    path("surveys/questionnaires/<int:pk>/pilot/", surveys.questionnaire_pilot, name="questionnaire_pilot"),
    path(
        "surveys/questionnaires/<int:pk>/approve/",
        surveys.questionnaire_approve,
        name="questionnaire_approve",
    ),
    path(
        "surveys/questionnaires/<int:pk>/new-version/",
        surveys.questionnaire_new_version,
        name="questionnaire_new_version",
    ),
    path(
        "surveys/questionnaires/<int:pk>/retire/", surveys.questionnaire_retire, name="questionnaire_retire"
    ),
    path("surveys/campaigns/new/", surveys.campaign_new, name="campaign_new"),
    path("surveys/campaigns/<int:pk>/", surveys.campaign_detail, name="campaign_detail"),
    path("surveys/campaigns/<int:pk>/<slug:action>/", surveys.campaign_action, name="campaign_action"),
    path("satisfaction/responses/<int:pk>/", surveys.response_detail, name="response_detail"),
    path("satisfaction/results/", clients.results, name="results"),
    path("satisfaction/clients/<int:pk>/", clients.client_page, name="client"),
    path("satisfaction/health/", clients.health_list, name="health"),
    path("satisfaction/indicators/", indicators.indicators, name="indicators"),
    path("satisfaction/indicators/upload/", indicators.indicator_upload, name="indicator_upload"),
    path("satisfaction/indicators/readings/", indicators.reading_add, name="reading_add"),
    path("satisfaction/indicators/template.xlsx", indicators.indicator_template, name="indicator_template"),
    path("satisfaction/tasks/", indicators.task_list, name="task_list"),
    path("satisfaction/tasks/<int:pk>/done/", indicators.task_done, name="task_done"),
]

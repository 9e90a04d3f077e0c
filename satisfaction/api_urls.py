from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("complaints", api.ComplaintViewSet, basename="complaint")
router.register("questionnaires", api.QuestionnaireViewSet, basename="questionnaire")
router.register("survey-campaigns", api.CampaignViewSet, basename="survey-campaign")
router.register("survey-responses", api.SurveyResponseViewSet, basename="survey-response")
router.register("indicators", api.IndicatorViewSet, basename="indicator")
router.register("indicator-readings", api.ReadingViewSet, basename="indicator-reading")
router.register("indicator-warnings", api.WarningViewSet, basename="indicator-warning")
router.register("satisfaction-tasks", api.FollowUpTaskViewSet, basename="satisfaction-task")

urlpatterns = [
    # Plain paths beside the pipeline's client routes: they share the prefix but not the path.
    path("clients/<int:pk>/satisfaction/", api.ClientSatisfactionView.as_view(), name="client-satisfaction"),
    path("clients/<int:pk>/health/", api.ClientHealthView.as_view(), name="client-health"),
    path("client-health/", api.LowHealthView.as_view(), name="client-health-low"),
    path("satisfaction/results/", api.SatisfactionResultsView.as_view(), name="satisfaction-results"),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("targets", api.TargetViewSet, basename="target")

urlpatterns = [
    *router.urls,
    path("scorecards/", api.ScorecardView.as_view(), name="api-scorecards"),
]

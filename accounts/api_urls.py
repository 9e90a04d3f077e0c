from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("stations", api.StationViewSet, basename="station")
router.register("areas", api.AreaViewSet, basename="area")
router.register("users", api.UserViewSet, basename="user")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("pick/people/", api.pick_people, name="api-pick-people"),
    path("pick/areas/", api.pick_areas, name="api-pick-areas"),
    path("pick/stations/", api.pick_stations, name="api-pick-stations"),
    *router.urls,
]

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
    *router.urls,
]

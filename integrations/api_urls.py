from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("integration-keys", api.IntegrationKeyViewSet, basename="integration-key")
router.register("webhooks", api.WebhookViewSet, basename="webhook")

urlpatterns = router.urls

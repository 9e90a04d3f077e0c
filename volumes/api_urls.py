from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("volumes", api.VolumeViewSet, basename="volume")

urlpatterns = router.urls

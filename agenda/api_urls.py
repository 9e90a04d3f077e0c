from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tasks", api.TaskViewSet, basename="task")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("visit-plans", api.VisitPlanViewSet, basename="visit-plan")
router.register("visit-records", api.VisitRecordViewSet, basename="visit-record")

urlpatterns = router.urls

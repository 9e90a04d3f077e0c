# API of steps 1-2: leads, clients, competitors, imports.
from rest_framework.routers import SimpleRouter

from . import leads as api_leads

router = SimpleRouter()
router.register("leads", api_leads.LeadViewSet, basename="lead")
router.register("clients", api_leads.ClientViewSet, basename="client")
router.register("competitors", api_leads.CompetitorViewSet, basename="competitor")
router.register("screening-settings", api_leads.ScreeningSettingsViewSet, basename="screening-settings")
router.register("imports", api_leads.ImportViewSet, basename="import")

urlpatterns = router.urls

# The REST API of the pipeline: leads and client records (steps 1-2), imports, and the loop (steps 3-10).
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import card_reader, clients, imports, leads, loop, search

router = SimpleRouter()
router.register("leads", leads.LeadViewSet, basename="lead")
router.register("clients", clients.ClientViewSet, basename="client")
router.register("competitors", clients.CompetitorViewSet, basename="competitor")
router.register("screening-settings", clients.ScreeningSettingsViewSet, basename="screening-settings")
router.register("imports", imports.ImportViewSet, basename="import")

loop_router = SimpleRouter()
loop_router.register("stage-changes", loop.StageChangeViewSet, basename="stage-change")
loop_router.register("surveys", loop.SurveyViewSet, basename="survey")
loop_router.register("needs-analyses", loop.NeedsViewSet, basename="needs-analysis")
loop_router.register("proposals", loop.ProposalViewSet, basename="proposal")
loop_router.register("trial-shipments", loop.TrialShipmentViewSet, basename="trial-shipment")
loop_router.register("contracts", loop.ContractViewSet, basename="contract")
loop_router.register("evaluations", loop.EvaluationViewSet, basename="evaluation")
loop_router.register("opportunities", loop.OpportunityViewSet, basename="opportunity")
loop_router.register("owner-transfers", loop.OwnerTransferViewSet, basename="owner-transfer")
loop_router.register("relationship-changes", loop.RelationshipChangeViewSet, basename="relationship-change")
loop_router.register("regressions", loop.RegressionViewSet, basename="regression")

urlpatterns = [
    # Before the lead routes, whose `leads/<pk>/` would otherwise take "read-card" for a lead's id.
    path("leads/read-card/", card_reader.ReadCardView.as_view(), name="lead-read-card"),
    path("search/", search.SearchView.as_view(), name="api-search"),
    path("pick/clients/", clients.pick_clients, name="api-pick-clients"),
    *router.urls,
    path("clients/<int:pk>/transition/", loop.TransitionView.as_view(), name="client-transition"),
    path("clients/<int:pk>/history/", loop.HistoryView.as_view({"get": "list"}), name="client-history"),
    path("clients/<int:pk>/gate/", loop.GateView.as_view(), name="client-gate"),
    path("clients/<int:pk>/tier/", loop.TierView.as_view(), name="client-tier"),
    *loop_router.urls,
]

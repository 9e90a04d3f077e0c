# API of steps 3-10: transition, history, step records.
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import loop as api_loop

router = SimpleRouter()
router.register("stage-changes", api_loop.StageChangeViewSet, basename="stage-change")
router.register("surveys", api_loop.SurveyViewSet, basename="survey")
router.register("needs-analyses", api_loop.NeedsViewSet, basename="needs-analysis")
router.register("proposals", api_loop.ProposalViewSet, basename="proposal")
router.register("trial-shipments", api_loop.TrialShipmentViewSet, basename="trial-shipment")
router.register("contracts", api_loop.ContractViewSet, basename="contract")
router.register("evaluations", api_loop.EvaluationViewSet, basename="evaluation")
router.register("opportunities", api_loop.OpportunityViewSet, basename="opportunity")
router.register("owner-transfers", api_loop.OwnerTransferViewSet, basename="owner-transfer")
router.register("relationship-changes", api_loop.RelationshipChangeViewSet, basename="relationship-change")
router.register("regressions", api_loop.RegressionViewSet, basename="regression")

urlpatterns = [
    path("clients/<int:pk>/transition/", api_loop.TransitionView.as_view(), name="client-transition"),
    path("clients/<int:pk>/history/", api_loop.HistoryView.as_view({"get": "list"}), name="client-history"),
    path("clients/<int:pk>/gate/", api_loop.GateView.as_view(), name="client-gate"),
    path("clients/<int:pk>/tier/", api_loop.TierView.as_view(), name="client-tier"),
    *router.urls,
]

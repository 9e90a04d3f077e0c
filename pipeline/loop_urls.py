# Pages of steps 3-10: client page and timeline, kanban, funnel, step records.
from django.urls import path

from .views import loop as v

urlpatterns = [
    path("clients/<int:pk>/", v.client_detail, name="client_detail"),
    path("clients/<int:pk>/move/", v.client_move, name="client_move"),
    path("clients/<int:pk>/survey/", v.survey_new, name="survey_new"),
    path("clients/<int:pk>/needs/", v.needs_new, name="needs_new"),
    path("clients/<int:pk>/proposals/new/", v.proposal_new, name="proposal_new"),
    path("clients/<int:pk>/trial-shipments/new/", v.shipment_new, name="shipment_new"),
    path("clients/<int:pk>/contracts/new/", v.contract_new, name="contract_new"),
    path("clients/<int:pk>/evaluations/new/", v.evaluation_new, name="evaluation_new"),
    path("clients/<int:pk>/opportunities/new/", v.opportunity_new, name="opportunity_new"),
    path("clients/<int:pk>/owner/", v.owner_transfer, name="owner_transfer"),
    path("clients/<int:pk>/tier/", v.tier_set, name="tier_set"),
    path("clients/<int:pk>/relationship/", v.relationship_set, name="relationship_set"),
    path("clients/<int:pk>/regressions/new/", v.regression_new, name="regression_new"),
    path("proposals/<int:pk>/", v.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/print/", v.proposal_print, name="proposal_print"),
    path("trial-shipments/<int:pk>/results/", v.shipment_results, name="shipment_results"),
    path("contracts/<int:pk>/attachment/", v.contract_attachment, name="contract_attachment"),
    path("kanban/", v.kanban, name="kanban"),
    path("funnel/", v.funnel_page, name="funnel"),
]

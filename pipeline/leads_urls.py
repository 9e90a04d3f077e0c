# Pages of steps 1-2: capture, leads, review queue, clients list, screening, import/export.
from django.urls import path

from .views import leads as v

urlpatterns = [
    path("leads/", v.lead_list, name="lead_list"),
    path("leads/new/", v.lead_capture, name="lead_capture"),
    path("leads/lookup/", v.lead_lookup, name="lead_lookup"),
    path("leads/review/", v.review_queue, name="review_queue"),
    path("leads/<int:pk>/", v.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", v.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/photos/", v.lead_photo_add, name="lead_photo_add"),
    path("leads/<int:pk>/accept/", v.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/return/", v.lead_return, name="lead_return"),
    path("leads/<int:pk>/reject/", v.lead_reject, name="lead_reject"),
    path("clients/", v.client_list, name="client_list"),
    path("clients/new/", v.client_new, name="client_new"),
    path("clients/<int:pk>/profile/", v.client_edit, name="client_edit"),
    path("clients/<int:pk>/contacts/", v.client_contacts, name="client_contacts"),
    path("clients/<int:pk>/visit-plan/", v.client_plan, name="client_plan"),
    path("clients/<int:pk>/competitors/", v.client_competitors, name="client_competitors"),
    path("clients/<int:pk>/merge/", v.client_merge, name="client_merge"),
    path("competitors/", v.competitor_list, name="competitor_list"),
    path("competitors/new/", v.competitor_edit, name="competitor_new"),
    path("competitors/<int:pk>/", v.competitor_edit, name="competitor_edit"),
    path("screening/", v.screening_list, name="screening_list"),
    path("screening/settings/", v.screening_settings, name="screening_settings"),
    path("imports/", v.import_new, name="import_new"),
    path("imports/<int:pk>/", v.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", v.import_status, name="import_status"),
    path("imports/template/<str:kind>.xlsx", v.import_template, name="import_template"),
]

from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("integrations/keys/", views.key_list, name="keys"),
    path("integrations/keys/new/", views.key_new, name="key_new"),
    path("integrations/keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("integrations/webhooks/", views.webhook_list, name="webhooks"),
    path("integrations/webhooks/new/", views.webhook_new, name="webhook_new"),
    path("integrations/webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    path("integrations/webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path(
        "integrations/webhooks/<int:pk>/deliveries/<int:delivery>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]

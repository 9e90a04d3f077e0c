from django.contrib import admin

from .models import Delivery, IntegrationKey, Webhook


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are made and revoked on their page (/integrations/keys/), where the secret is shown once."""

    list_display = ["name", "prefix", "station", "expires_at", "last_used_at", "revoked_at", "created_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "active", "failing_since", "disabled_at"]
    list_filter = ["active"]
    exclude = ["secret"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "attempts", "status_code", "delivered_at", "next_attempt_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

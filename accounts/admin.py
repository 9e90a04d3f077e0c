from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from .models import ApiToken, Area, Branch, Company, Notification, Station, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "station", "area", "date_joined", "is_active"]
    list_filter = ["role", "station", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    list_select_related = ["station", "area"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Organisation"),
            {"fields": ["display_name", "role", "station", "area", "phone", "email", "date_joined"]},
        ),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2", "role", "station", "area"]})]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "timezone"]
    search_fields = ["code", "name"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "station"]
    list_filter = ["station"]


admin.site.register(Company)
admin.site.register(Branch)
admin.site.register(Notification)


# knox registers its own token model, which ApiToken replaces (KNOX_TOKEN_MODEL); its admin would list an unused table.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API only (the key is shown once, to its owner); deleting one here revokes it."""

    list_display = ["token_key", "user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "token_key"]
    fields = ["token_key", "user", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

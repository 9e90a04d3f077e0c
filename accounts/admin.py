from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Area, Branch, Company, Notification, Station, User


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

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotaConfig(AppConfig):
    name = "quota"
    verbose_name = _("Daily lead quota")

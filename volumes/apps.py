from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolumesConfig(AppConfig):
    name = "volumes"
    verbose_name = _("Volumes")

"""The OpenAPI schema served from memory: it is the code's, so each process builds it once per language (building
takes seconds) and serves that copy until the process ends or a test changes the settings."""

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

_built: dict = {}


@receiver(setting_changed)
def _forget(**_kwargs):
    _built.clear()


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        key = (translation.get_language(), self.api_version or request.version)
        response = _built.get(key)
        if response is None:
            response = _built[key] = super()._get_schema_response(request)
        # A fresh answer around the same data: a rendered response cannot be sent twice.
        return type(response)(data=response.data, headers=dict(response.headers))

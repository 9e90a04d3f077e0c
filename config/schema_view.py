"""The OpenAPI schema served from memory: it is the code's, so each process builds it once per language (building
takes seconds) and serves that copy until the process ends or a test changes the settings."""

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_built: dict = {}


@receiver(setting_changed)
def _forget(**_kwargs):
    _built.clear()


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        if key not in _built:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            _built[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=_built[key],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )

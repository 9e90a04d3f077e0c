"""`Authorization: Api-Key <key>`: the door of integration keys, and the one place where a key's limits apply.

Each view names the scope a key needs in `key_scopes` (`{"read": …, "write": …}`, or per action); a view that
names none refuses every key. This is checked here rather than in permission classes because views replace the
default permission classes with their own, while every request with a key passes through this class with its view
and action already known. The same holds for the per-key rate limit (INTEGRATION_KEY_RATE).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from . import services

KEYWORD = "Api-Key"


def required_scope(view, method: str) -> str | None:
    """The scope a key needs for this request: the view's `key_scopes` by action, else by reading or writing."""
    scopes = getattr(view, "key_scopes", None) or {}
    action = getattr(view, "action", None)
    if action in scopes:
        return scopes[action]
    return scopes.get("read" if method in SAFE_METHODS else "write")


class KeyRateThrottle(SimpleRateThrottle):
    """Requests per key, counted in the cache like every throttle (config/throttling.py)."""

    scope = "integration_key"

    def __init__(self, key):
        self.key = key
        super().__init__()

    def get_rate(self):
        return settings.INTEGRATION_KEY_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.key.pk}


class IntegrationKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as «Authorization: Api-Key <key>»."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid integration key.")) from None
        key = services.key_find(raw)
        now = timezone.now()
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid integration key."))
        if key.revoked:
            raise exceptions.AuthenticationFailed(_("This integration key has been revoked."))
        if key.expired(now):
            raise exceptions.AuthenticationFailed(_("This integration key has expired."))
        throttle = KeyRateThrottle(key)
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(throttle.wait())
        view = (getattr(request, "parser_context", None) or {}).get("view")
        needed = required_scope(view, request.method)
        if needed is None or needed not in key.scopes:
            services.key_used(key=key, now=now)
            raise exceptions.PermissionDenied(
                _("This integration key may not do this (it needs the scope %(scope)s).")
                % {"scope": needed or "—"}
            )
        services.key_used(key=key, now=now)
        return key.user, key

    def authenticate_header(self, request):
        return KEYWORD


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    target_class = IntegrationKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Api-Key <key>`: an integration key, limited to its scopes and station; "
                f"{settings.INTEGRATION_KEY_RATE} per key (429 with `Retry-After` beyond)."
            ),
        }

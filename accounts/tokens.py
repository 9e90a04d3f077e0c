"""Authentication by API token (`Authorization: Token <key>`), through django-rest-knox.

knox stores a digest of each key, refuses expired tokens and inactive owners; on top of that a token ends with its
owner's password (see ApiToken.password_fingerprint). A token found dead is deleted on the spot.
"""

from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        """Only the token presented: knox also reads every other token of its owner on every request to delete
        the expired ones, a query per request (lead capture counts them); those go when their owner asks for a
        new token (accounts.services.token_issue)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def validate_user(self, auth_token):
        user = auth_token.user
        if not user.is_active or not constant_time_compare(
            auth_token.password_fingerprint, user.get_session_auth_hash()
        ):
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().validate_user(auth_token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes it: `Authorization: Token <key>`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")

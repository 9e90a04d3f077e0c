"""Authentication by API token (`Authorization: Token <key>`), through django-rest-knox.

knox stores a digest of each key, refuses expired tokens and inactive owners; on top of that a token ends with its
owner's password (see ApiToken.password_fingerprint). A token found dead is deleted on the spot.
"""

from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
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

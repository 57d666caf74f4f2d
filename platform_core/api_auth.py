"""How the API knows who is calling with a token: django-rest-knox's hashed,
expiring tokens (`platform_core.models.ApiToken`), sent as `Authorization: Token <token>`.

Knox finds the row by the token's first 15 characters, compares SHA-512
digests in constant time, and deletes expired tokens as it meets them (an
expired token is a 401). On top of knox: a header that is not text is a 401
rather than a crash, and the time of last use is kept (at most one write a
minute per token) so a person can see which tokens are in use.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from .models import ApiToken

LAST_USED_EVERY = timedelta(minutes=1)
# The middleware authenticates a token on console paths before DRF does; the
# answer is kept on the request so the token is hashed and looked up once.
REQUEST_CACHE_ATTR = "_convene_token_auth"


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        cached = getattr(django_request, REQUEST_CACHE_ATTR, None)
        if cached is not None:
            return cached
        result = super().authenticate(request)
        if result is not None:
            setattr(django_request, REQUEST_CACHE_ATTR, result)
        return result

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        user, api_token = super().authenticate_credentials(token)
        now = timezone.now()
        ApiToken.objects.filter(pk=api_token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        return user, api_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token: `Authorization: Token <token>`."""

    target_class = "platform_core.api_auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106 - a header word

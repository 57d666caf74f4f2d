"""Your data over the API: the same services as the "Your data" pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .privacy import account_erase, account_erase_check, personal_data_export
from .throttles import EraseThrottle, ExportThrottle, SignInThrottle


class MeDataApi(APIView):
    # A whole export is heavy and is everything about a person: a few an hour.
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ExportThrottle]

    @extend_schema(
        operation_id="me_data",
        summary="Everything Convene holds about you",
        responses={200: OpenApiTypes.OBJECT},
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        return Response(personal_data_export(user=request.user))


class MeEraseApi(APIView):
    # The password is re-entered here: a stolen session must not be able to guess it.
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, SignInThrottle, EraseThrottle]

    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(trim_whitespace=False)
        confirm = serializers.BooleanField()

    @extend_schema(
        operation_id="me_erase",
        summary="Erase your account (cannot be undone)",
        request=InputSerializer,
        responses={204: None},
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        account_erase_check(user=request.user)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        errors = {}
        if not serializer.validated_data["confirm"]:
            errors["confirm"] = "Confirm that you understand this cannot be undone"
        if not request.user.check_password(serializer.validated_data["password"]):
            errors["password"] = "Your password is not right"  # noqa: S105 - a message, not a secret
        if errors:
            raise ValidationError(errors)
        account_erase(user=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

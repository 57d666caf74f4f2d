"""What every API view shares: pagination and one error format."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc, context):
    """Every error looks like {"error": {"code", "message", "fields"}}.

    Services raise Django's ValidationError; it becomes a 400 here, so a rule
    is written once, in the service, for the web and the API alike.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
            # An error that belongs to no field is the message itself.
            general = fields.get("non_field_errors") or fields.get("__all__")
            message = " ".join(general) if general else "Check the highlighted fields."
        else:
            message = "; ".join(str(m) for m in detail)
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response

"""What every API view shares: pagination, one error format, slot lists and throttling of refusals."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from .availability import SLOT_COUNT, valid_slots
from .throttles import COUNTED, failed_sign_in_wait


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SlotsField(serializers.ListField):
    """Weekly availability slots: whole numbers 0..20, at most one of each.

    On the way in the members and the size are checked (the schema says so too);
    on the way out a stored value that is not a slot is left out rather than
    crashing the response.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.IntegerField(min_value=0, max_value=SLOT_COUNT - 1))
        kwargs.setdefault("max_length", SLOT_COUNT)
        kwargs.setdefault("help_text", "Slots weekday*3+day_part (0-20): 0 is Monday morning, 20 Sunday evening.")
        super().__init__(**kwargs)

    def to_representation(self, data):
        return valid_slots(list(data) if data is not None else [])


def _throttle_refusal(exc, context):
    """Count a request refused before DRF's throttle check (authentication,
    permissions): an anonymous caller is limited whether or not the view lets
    them in, and each failed token counts towards the sign-in limit."""
    request, view = context.get("request"), context.get("view")
    if request is None or view is None or isinstance(exc, exceptions.Throttled):
        return exc
    wait = None
    if isinstance(exc, exceptions.AuthenticationFailed):
        wait = failed_sign_in_wait(request)
    if not getattr(request, COUNTED, False):
        try:
            view.check_throttles(request)
        except exceptions.Throttled as throttled:
            wait = max(wait or 0, throttled.wait or 0) or None
    return exceptions.Throttled(wait=wait) if wait else exc


def exception_handler(exc, context):
    """Every error looks like {"error": {"code", "message", "fields"}}.

    Services raise Django's ValidationError; it becomes a 400 here, so a rule
    is written once, in the service, for the web and the API alike.
    """
    exc = _throttle_refusal(exc, context)
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
    elif isinstance(exc, exceptions.Throttled):
        message = f"Too many requests: try again in {int(exc.wait or 1)} seconds"
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response

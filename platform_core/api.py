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


class KeysetPagination(pagination.BasePagination):
    """Keyset (cursor) pages for the API's lists that grow with history (issue 11,
    ADR 0020): `?cursor=` from the previous page's `next`, no count and no OFFSET, so
    the 1,000th page of a provider's 20,000 matches costs what the first does.
    `{"next": url or null, "results": [...]}`; `page_size` as elsewhere (up to 100).

    The order is the list's own (its selector's `order_by`, else the model's
    `Meta.ordering`), so a list pages in the order it was written in; set `ordering`
    only to override it. Its last term must be unique (the id)."""

    page_size = 20
    max_page_size = 100
    ordering: tuple[str, ...] = ()
    cursor_query_param = "cursor"

    def order_of(self, queryset) -> tuple[str, ...]:
        order = self.ordering or tuple(queryset.query.order_by) or tuple(queryset.model._meta.ordering)
        pk_name = queryset.model._meta.pk.name
        order = tuple(t.replace("pk", pk_name) if t.lstrip("-") == "pk" else t for t in order)
        if not order or order[-1].lstrip("-") != pk_name:
            order += ("-" + pk_name if order and order[-1].startswith("-") else pk_name,)
        return order

    def paginate_queryset(self, queryset, request, view=None):
        from .pagination import BadCursor, keyset_page

        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            size = self.page_size
        size = min(max(size, 1), self.max_page_size)
        try:
            self.page = keyset_page(
                queryset,
                order=self.order_of(queryset),
                after=request.query_params.get(self.cursor_query_param),
                size=size,
            )
        except BadCursor as exc:
            raise exceptions.ValidationError({self.cursor_query_param: exc.messages}) from None
        self.request = request
        return self.page.object_list

    def get_next_link(self) -> str | None:
        if not self.page.next_cursor:
            return None
        from rest_framework.utils.urls import replace_query_param

        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, self.page.next_cursor)

    def get_paginated_response(self, data):
        from rest_framework.response import Response

        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the `cursor` of the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page (1 to {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


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

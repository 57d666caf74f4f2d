"""Error pages that speak the language of the door: JSON for the API and the feed.

Django answers a request no URL pattern matches (`/api/v1/offers/abc/`: the id is
not a number), or a view that crashed, with its HTML error pages. Under /api/ and
/openreferral/ a client expects the API's error format, and the published schema
says so; everywhere else people get the GOV.UK pages in templates/.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from .hostile_input import CORS_PREFIXES, JSON_PREFIXES


def _json(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse | None:
    if not request.path.startswith(JSON_PREFIXES):
        return None
    response = JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    if request.path.startswith(CORS_PREFIXES):
        response["Access-Control-Allow-Origin"] = "*"
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(request, 400, "invalid", "The request could not be understood") or defaults.bad_request(
        request, exception
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(request, 403, "permission_denied", "You cannot do this") or defaults.permission_denied(
        request, exception
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _json(request, 404, "not_found", "Nothing here: check the address") or defaults.page_not_found(
        request, exception
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _json(request, 500, "error", "Something went wrong on our side") or defaults.server_error(request)

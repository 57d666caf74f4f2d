"""Open Referral UK (HSDS 3.0) feed: public, read-only JSON views.

Plain Django views on purpose (DRF's machinery costs ~5x per request, NOTES.md);
every response, errors included, carries Access-Control-Allow-Origin: *.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.cache import cache_control

from platform_core import dates
from platform_core.models import Council
from platform_core.throttles import throttle_view

from . import selectors
from . import serialisers as oruk
from .ids import pk_from_id


class BadParameter(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _not_found(message: str = "Not found") -> JsonResponse:
    return _error(404, "not_found", message)


def oruk_endpoint(view: Callable) -> Callable:
    """GET/HEAD only, JSON errors, open CORS, short public caching, throttled per address."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response = _error(405, "method_not_allowed", "Only GET is allowed")
            response["Allow"] = "GET, HEAD, OPTIONS"
        elif request.method == "OPTIONS":
            response = JsonResponse({})
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            try:
                response = view(request, *args, **kwargs)
            except BadParameter as exc:
                response = _error(400, "invalid", exc.message, {exc.field: [exc.message]})
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        return response

    # Throttled outside the public caching: a 429 is never cached for everyone.
    feed_throttle = throttle_view(scope="openreferral", headers={"Access-Control-Allow-Origin": "*"})
    return feed_throttle(cache_control(public=True, max_age=60)(wrapper))


def _positive_int(request: HttpRequest, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"{name} must be a whole number") from None
    if value < 1:
        raise BadParameter(name, f"{name} must be 1 or more")
    return min(value, maximum) if maximum else value


def _page_request(request: HttpRequest) -> oruk.PageRequest:
    return oruk.PageRequest(
        page=_positive_int(request, "page", 1),
        per_page=_positive_int(request, "per_page", oruk.DEFAULT_PER_PAGE, oruk.MAX_PER_PAGE),
    )


def _council(request: HttpRequest) -> Council | None:
    slug = request.GET.get("council", "").strip()
    if not slug:
        return None
    council = Council.objects.filter(slug=slug).first()
    if council is None:
        raise BadParameter("council", "No council has that slug")
    return council


def _modified_after(request: HttpRequest):
    raw = request.GET.get("modified_after", "").strip()
    if not raw:
        return None
    try:  # parse_* return None for a wrong shape and raise ValueError for an impossible date
        value = parse_datetime(raw.replace(" ", "+"))
        day = parse_date(raw) if value is None else value.date()
    except ValueError:
        day = None
    if day is None:
        raise BadParameter("modified_after", "modified_after must be an ISO 8601 date or date-time")
    if not dates.in_range(day):
        raise BadParameter("modified_after", dates.out_of_range_message("modified_after"))
    value = value or datetime.combine(day, time.min)
    return make_aware(value) if is_naive(value) else value


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() in ("1", "true", "yes")


def _offers(request: HttpRequest, *, full: bool = False):
    return selectors.offer_search(
        with_categories=full,
        council=_council(request),
        text=(request.GET.get("search") or request.GET.get("text") or "").strip()[:100],
        taxonomy_term_id=request.GET.get("taxonomy_term_id", "").strip(),
        taxonomy_id=request.GET.get("taxonomy_id", "").strip(),
        modified_after=_modified_after(request),
    )


@oruk_endpoint
def api_info(request: HttpRequest) -> JsonResponse:
    return JsonResponse(oruk.api_info())


@oruk_endpoint
def service_list(request: HttpRequest) -> JsonResponse:
    full = _flag(request, "full")
    page = oruk.page_of(
        _offers(request, full=full), _page_request(request), lambda o: oruk.serialise_service(o, full=full)
    )
    return JsonResponse(page)


@oruk_endpoint
def service_detail(request: HttpRequest, id: str) -> JsonResponse:
    offer = selectors.offer_get_published(service_id=id)
    if offer is None:
        return _not_found("No published service has that id")
    return JsonResponse(oruk.serialise_service(offer))


@oruk_endpoint
def service_at_location_list(request: HttpRequest) -> JsonResponse:
    page = oruk.page_of(
        _offers(request),
        _page_request(request),
        lambda o: oruk.serialise_service_at_location(o, with_service=True),
    )
    return JsonResponse(page)


@oruk_endpoint
def service_at_location_detail(request: HttpRequest, id: str) -> JsonResponse:
    pk = pk_from_id("service_at_location", id)
    offer = selectors.offer_list_published().filter(pk=pk).first() if pk else None
    if offer is None:
        return _not_found("No published service at location has that id")
    return JsonResponse(oruk.serialise_service_at_location(offer, with_service=True))


@oruk_endpoint
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    page = oruk.page_of(
        selectors.council_list_for_taxonomies(council=_council(request)),
        _page_request(request),
        oruk.serialise_taxonomy,
    )
    return JsonResponse(page)


@oruk_endpoint
def taxonomy_detail(request: HttpRequest, id: str) -> JsonResponse:
    council = selectors.council_get_for_taxonomy(taxonomy_id=id)
    if council is None:
        return _not_found("No taxonomy has that id")
    return JsonResponse(oruk.serialise_taxonomy(council, with_terms=True))


@oruk_endpoint
def taxonomy_term_list(request: HttpRequest) -> JsonResponse:
    terms = selectors.category_list_for_terms(
        council=_council(request), taxonomy_id=request.GET.get("taxonomy_id", "").strip()
    )
    page = oruk.page_of(terms, _page_request(request), oruk.serialise_taxonomy_term)
    return JsonResponse(page)


@oruk_endpoint
def taxonomy_term_detail(request: HttpRequest, id: str) -> JsonResponse:
    category = selectors.category_get_for_term(term_id=id)
    if category is None:
        return _not_found("No taxonomy term has that id")
    return JsonResponse(oruk.serialise_taxonomy_term(category))

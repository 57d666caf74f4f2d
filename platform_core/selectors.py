"""Reads shared by every app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Council, Notification, ServiceCategory, User

_COUNCIL_ON_REQUEST = "_convene_council"


def council_for_request(request: HttpRequest) -> Council | None:
    """The signed-in user's council, else the only (or first) council hosted here.

    Cached on the request so the header costs one query per page at most.
    """
    if hasattr(request, _COUNCIL_ON_REQUEST):
        cached: Council | None = getattr(request, _COUNCIL_ON_REQUEST)
        return cached
    user = getattr(request, "user", None)
    council = None
    if user is not None and user.is_authenticated and user.council_id:
        council = Council.objects.filter(pk=user.council_id).first()
    if council is None:
        council = Council.objects.order_by("pk").first()
    setattr(request, _COUNCIL_ON_REQUEST, council)
    return council


def category_list_active(*, council: Council) -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(council=council, is_active=True)


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)

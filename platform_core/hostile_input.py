"""Refuse control characters at the edge, before any view, form or query sees them.

A NUL byte cannot be stored in PostgreSQL text (psycopg2 raises ValueError), so
one in a path, a query string, a form field or a cookie used to reach the
database and come back as a 500. No person types a control character into a
web address or a form; they come from scripts probing the service. They are
refused here with a 400 and a message saying what was wrong: the GOV.UK 400
page for pages, the API's error format for `/api/` and the Open Referral feed.
JSON bodies are checked by the API's parser (platform_core.parsers), which sees
the decoded strings. See docs/security.md, "Hostile input and throttling".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# In text (form fields, query values, JSON strings) tab, line feed and carriage
# return are ordinary: a textarea sends "\r\n". Every other C0 control, DEL, the
# C1 controls and lone UTF-16 surrogates (which PostgreSQL cannot store either) are not.
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A path has no business with any control character at all.
PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

JSON_PREFIXES = ("/api/", "/openreferral/")
CORS_PREFIXES = ("/openreferral/",)

PATH_MESSAGE = "The web address contains a control character (such as a NUL byte), which is not allowed"


def has_control_character(value: str) -> bool:
    return TEXT_CONTROL.search(value) is not None


def control_character_message(name: str) -> str:
    return f"{name} contains a control character (such as a NUL byte), which is not allowed"


def _first_bad_field(pairs: Iterable[tuple[str, list[str]]]) -> tuple[str, str | None] | None:
    """(how to name it in the message, the field to blame or None) of the first bad pair."""
    for key, values in pairs:
        if has_control_character(key):
            return "A parameter name", None
        if any(has_control_character(v) for v in values):
            return key, key
    return None


def refusal(request: HttpRequest, message: str, field: str | None = None) -> HttpResponse:
    """A 400 in the form the door that was knocked on speaks."""
    if request.path.startswith(JSON_PREFIXES):
        fields = {field: [message]} if field else {}
        response = JsonResponse({"error": {"code": "invalid", "message": message, "fields": fields}}, status=400)
        if request.path.startswith(CORS_PREFIXES):
            response["Access-Control-Allow-Origin"] = "*"
        return response
    return render(request, "400.html", {"message": message}, status=400)


class RejectControlCharactersMiddleware:
    """Path, query string, form fields and cookies: a control character is a 400.

    Sits after the CSP middleware (so the 400 page has its nonce) and before the
    views; nothing before it reads the database with what the request carries.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if PATH_CONTROL.search(request.path):
            return refusal(request, PATH_MESSAGE)
        if _first_bad_field((k, [v]) for k, v in request.COOKIES.items()):
            # The session cookie would be looked up in the database to draw the
            # page's header: answer as if signed out instead.
            request.user = AnonymousUser()
            return refusal(request, control_character_message("A cookie"))
        bad = _first_bad_field(request.GET.lists())
        if bad is None and request.method == "POST":
            try:
                bad = _first_bad_field(request.POST.lists())
            except RequestDataTooBig:
                return refusal(request, "The form sent is too large")
            except TooManyFieldsSent:
                return refusal(request, "The form sent has too many fields")
        if bad is not None:
            name, field = bad
            return refusal(request, control_character_message(name), field)
        return self.get_response(request)

"""`Cache-Control: no-store, private` on every response that may carry personal data.

The rule (docs/decisions/0012-no-store-for-personal-data.md): every response to
a signed-in request (a session, or an API token: DRF puts the token's user on
the request) and every account page under /accounts/ is `no-store, private`,
whatever the view asked for. Browsers then keep no copy on disk of a match's
phone number, a person's page in the console or a data export, and no shared
cache (a council's proxy, a CDN) keeps one either. Only anonymous responses
outside /accounts/ may be cached, and only if their view says so (the Open
Referral feed, the start page).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"
ALWAYS_PRIVATE_PREFIXES = ("/accounts/",)


def carries_personal_data(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool((user is not None and user.is_authenticated) or request.path.startswith(ALWAYS_PRIVATE_PREFIXES))


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if carries_personal_data(request):
            response["Cache-Control"] = NO_STORE
            # An Expires in the future would contradict no-store for HTTP/1.0 caches.
            if "Expires" in response:
                del response["Expires"]
        return response

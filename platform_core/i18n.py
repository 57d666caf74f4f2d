"""Which language a page is in, and which a person's messages are written in.

The one home of the rule (docs/decisions/0016-languages.md):

- English is always offered; Welsh when the council turns it on
  (`Council.welsh_enabled`, the console's "Languages" page).
- A page is in the signed-in person's saved language (`User.language`), else
  the language cookie the switcher sets, else what the browser asks for
  (Accept-Language), as long as the council offers it; otherwise English.
- Everything sent to a person (in-app, e-mail, text) is in their saved
  language if their council offers it (`platform_core.notifications.language`).

A person without a council of their own (a provider member) is served by the
council whose service the page is (`council_for_request`), or for messages by
the first council hosted here, as the header does.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import Council, Language, User
from .selectors import council_for_request

DEFAULT = settings.LANGUAGE_CODE


def languages_offered(council: Council | None) -> list[str]:
    """The language codes a council's service is offered in, English first."""
    offered = [Language.ENGLISH.value]
    if council is not None and council.welsh_enabled:
        offered.append(Language.WELSH.value)
    return offered


def _supported(code: str | None) -> str | None:
    """A code we have a catalogue for ('cy', 'en-gb'), from a saved value, a cookie or a browser."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_choose(*, wanted: str | None, council: Council | None) -> str:
    """`wanted` if the council offers it, else English."""
    code = _supported(wanted)
    if code and code != DEFAULT and code in languages_offered(council):
        return code
    return DEFAULT


def council_of(user: User) -> Council | None:
    """The council whose languages apply to a person's messages."""
    if user.council_id:
        return user.council
    return Council.objects.order_by("pk").first()


def user_language(user: User) -> str:
    """The language everything sent to this person is written in."""
    if not user.language or user.language == DEFAULT:
        return DEFAULT  # no query for the many who never chose
    return language_choose(wanted=user.language, council=council_of(user))


def request_language_wanted(request: HttpRequest) -> str | None:
    """The person's saved choice, else the cookie, else the browser's (LocaleMiddleware's answer)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    return getattr(request, "LANGUAGE_CODE", None)


class PersonLanguageMiddleware:
    """After authentication: the page's language for this person and council.

    Django's LocaleMiddleware has already read the cookie and Accept-Language;
    this applies the saved choice and the council's languages. The council is
    looked up only when a language other than English is asked for (it is
    cached on the request for the header anyway).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        wanted = _supported(request_language_wanted(request))
        language = DEFAULT
        if wanted and wanted != DEFAULT:
            language = language_choose(wanted=wanted, council=council_for_request(request))
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)

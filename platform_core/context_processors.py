from django.http import HttpRequest

from .i18n import languages_offered
from .models import Language
from .selectors import council_for_request


def service(request: HttpRequest) -> dict:
    """The council whose service this is: the header carries its name, and the
    language switcher the languages it offers (none when only English)."""
    council = council_for_request(request)
    name = f"{council.short_name or council.name} Convene" if council else "Convene"
    offered = languages_offered(council)
    switcher = [(code, Language(code).label) for code in offered] if len(offered) > 1 else []
    return {"council": council, "service_name": name, "language_switcher": switcher}

from django.http import HttpRequest

from .selectors import council_for_request


def service(request: HttpRequest) -> dict:
    """The council whose service this is: the header carries its name."""
    council = council_for_request(request)
    name = f"{council.short_name or council.name} Convene" if council else "Convene"
    return {"council": council, "service_name": name}

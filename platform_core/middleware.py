"""Two-factor authentication is required of council officers before any officer page."""

from django.shortcuts import redirect
from django.urls import reverse

from .permissions import officer_needs_two_factor

OFFICER_PREFIXES = ("/console/", "/api/v1/console/")


class OfficerTwoFactorMiddleware:
    """Send an officer without TOTP to set it up before any officer page.

    Lives in middleware (not only a view mixin) so a console URL added later
    cannot forget it. Officers who have TOTP are asked for a code at login
    by allauth.mfa itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OFFICER_PREFIXES) and officer_needs_two_factor(request.user):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)

"""The API docs and the Django admin run under a Content-Security-Policy, and work under it.

Until issue 8 both were excluded from the CSP. Here Chromium loads them with the
policy on and reports every violation (`securitypolicyviolation` events); a page
that needs more than the policy allows fails, and so does one with no policy.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from platform_core.models import User
from platform_core.tests.factories import TOTP_SECRET, UserFactory
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.tests.factories import ResidentFactory
from tests.browser.helpers import sign_in_with_cookie

pytestmark = pytest.mark.browser

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = e.sourceFile + ':' + e.lineNumber;
  window.__csp.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + where);
});
"""


def _open(page, url: str) -> dict:
    """Load a page; its status, its CSP, and what failed to load on it (the browser's /favicon.ico aside)."""
    page.js_errors.clear()
    failed: list[str] = []

    def on_response(r):
        if r.status >= 400:
            failed.append(f"{r.status} {r.url}")

    page.on("response", on_response)
    page.add_init_script(WATCH_CSP)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", on_response)
    return {
        "status": response.status,
        "csp": response.headers.get("content-security-policy", ""),
        "failed": [f for f in failed if not f.endswith("/favicon.ico")],
    }


def _script_errors(page) -> list[str]:
    """Console errors other than a failed load (those are in _open's "failed")."""
    return [e for e in page.js_errors if not e.startswith("Failed to load resource")]


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_the_api_docs_render_under_a_csp_without_unsafe_inline(site, page):
    seen = _open(page, site + "/api/docs/")
    assert seen["status"] == 200
    assert "script-src 'self'" in seen["csp"]
    assert "unsafe-inline" not in seen["csp"] and "unsafe-eval" not in seen["csp"]
    # Swagger UI loaded the schema and drew the operations.
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.get_by_text("/api/v1/needs/", exact=True).first.is_visible()
    assert _violations(page) == []
    assert seen["failed"] == []
    assert _script_errors(page) == []


@pytest.fixture
def superuser(council):
    user = UserFactory(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    return user


def test_the_admin_runs_under_the_sites_csp(site, page, superuser, council, kingston_postcodes):
    seen = _open(page, site + "/admin/login/")
    assert "script-src 'self'" in seen["csp"]
    assert _violations(page) == []
    resident = ResidentFactory(council=council, user__council=council)
    offer = OfferFactory(provider=ProviderFactory(council=council))
    sign_in_with_cookie(page, site, superuser)  # staff: with the second factor
    for path in (
        "/admin/",
        "/admin/residents/resident/",
        f"/admin/residents/resident/{resident.pk}/change/",
        "/admin/providers/offer/",
        f"/admin/providers/offer/{offer.pk}/change/",  # filter_horizontal: admin's own JavaScript
        "/admin/platform_core/council/add/",  # prepopulated fields and inlines
    ):
        seen = _open(page, site + path)
        assert seen["status"] == 200, path
        assert "default-src 'self'" in seen["csp"], path
        assert _violations(page) == [], path
        assert seen["failed"] == [], path
        assert _script_errors(page) == [], path
    # The admin's JavaScript ran: the two-box category selector was built.
    page.goto(f"{site}/admin/providers/offer/{offer.pk}/change/")
    assert page.locator(".selector-available").count() == 1

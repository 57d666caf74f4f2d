"""The GOV.UK shell in a real browser: styles load, JavaScript runs under the CSP,
errors are summarised, and axe-core finds no serious or critical violations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_start_page_is_styled_in_arial_and_runs_govuk_frontend(site, page):
    page.goto(site + "/")
    screenshot(page, "start")
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "arial" in font.lower()
    assert "GDS Transport" not in font
    # The compiled stylesheet applied: the header is a black bar.
    header_background = page.evaluate(
        "getComputedStyle(document.querySelector('.govuk-generic-header')).backgroundColor"
    )
    assert header_background in {"rgb(11, 12, 12)", "rgb(29, 112, 184)"}, header_background
    # The inline script ran with the CSP nonce, and the module initialised.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    assert page.js_errors == []
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("button", name="Create an account").is_visible()


def test_sign_up_form_loads_with_labels_and_radios(site, page):
    page.goto(site + "/accounts/signup/")
    screenshot(page, "signup")
    assert page.get_by_label("Email").is_visible()
    assert page.get_by_label("Your full name").is_visible()
    assert page.get_by_role("radio", name="Get help for myself or someone I live with").is_visible()
    assert "arial" in page.evaluate("getComputedStyle(document.querySelector('label')).fontFamily").lower()
    assert page.js_errors == []


def test_sign_up_with_a_bad_email_shows_the_error_summary(site, page):
    page.goto(site + "/accounts/signup/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Your full name").fill("Nora Newcomer")
    page.get_by_role("radio", name="Get help for myself or someone I live with").check()
    page.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("Password (again)").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    screenshot(page, "signup-error")
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    # GOV.UK Frontend moves focus to the summary, and its link goes to the field.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_email"


@pytest.mark.parametrize("path", ["/", "/accounts/signup/", "/accounts/login/", "/no-such-page/", "/accessibility/"])
def test_axe_finds_no_serious_or_critical_violations(site, page, axe, path):
    page.goto(site + path)
    violations = axe(page)
    assert violations == [], violations


def test_axe_finds_no_serious_or_critical_violations_on_a_failed_sign_up(site, page, axe):
    page.goto(site + "/accounts/signup/")
    page.get_by_role("button", name="Create account").click()
    page.locator(".govuk-error-summary").wait_for()
    violations = axe(page)
    assert violations == [], violations

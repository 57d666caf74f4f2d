"""Welsh in real Chromium, with axe-core on every page: a resident switches to
Cymraeg in the header and asks for help in Welsh, each page saying lang="cy";
the switcher works without JavaScript; an officer turns Welsh on."""

from __future__ import annotations

import pytest

from platform_core.models import Language
from residents.models import Need
from tests.browser.helpers import accessible, heading_is, help_date, sign_in, sign_in_with_cookie

pytestmark = pytest.mark.browser


@pytest.fixture
def welsh_council(council):
    council.welsh_enabled = True
    council.save(update_fields=["welsh_enabled"])
    return council


def in_welsh(page, axe, what: str) -> None:
    """The page is in Welsh (for screen readers too) and passes axe."""
    assert page.evaluate("document.documentElement.lang") == "cy", what
    accessible(page, axe, f"{what} (Welsh)")


def test_a_resident_switches_to_welsh_and_asks_for_help_in_welsh(
    site,
    new_page,
    axe,
    welsh_council,
    newcomer,
    shopping,
    kingston_postcodes,
    published_tasks,
):
    page = new_page()
    sign_in(page, site, newcomer)
    heading_is(page, "Your requests for help")
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    accessible(page, axe, "dashboard (English, with the switcher)")
    page.get_by_role("navigation", name="Language switcher").get_by_role("button", name="Cymraeg").click()

    heading_is(page, "Eich ceisiadau am help")
    in_welsh(page, axe, "dashboard")
    page.get_by_role("button", name="Gofyn am help").click()

    heading_is(page, "Dywedwch wrthym amdanoch chi'ch hun")
    in_welsh(page, axe, "profile")
    page.get_by_label("Llinell 1 y cyfeiriad").fill("12 Heol y Felin")
    page.get_by_label("Cod post").fill("kt1 1eu")
    page.get_by_label("Pa iaith sydd orau gennych ei siarad?").fill("Cymraeg")
    page.get_by_label("Rhannu fy nghyfeiriad").check()
    page.get_by_role("button", name="Cadw a pharhau").click()

    heading_is(page, "Pa fath o help sydd ei angen arnoch?")
    in_welsh(page, axe, "category")
    page.get_by_role("button", name="Parhau").click()
    assert "Dewiswch y math o help sydd ei angen arnoch" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Gwall:")
    in_welsh(page, axe, "category with an error")
    page.get_by_role("radio", name="Shopping").check()
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Pa help sydd ei angen arnoch?")
    in_welsh(page, axe, "what")
    page.get_by_label("Rhowch deitl byr i'ch cais").fill("Siopa wythnosol")
    page.get_by_label("Disgrifiwch yr help sydd ei angen arnoch").fill("Ni allaf gario bagiau trwm.")
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Pryd mae angen help arnoch?")
    in_welsh(page, axe, "when")
    page.get_by_role("group", name="Pa mor aml mae angen help arnoch?").get_by_role("radio", name="Unwaith").check()
    page.get_by_role("group", name="Pa mor fuan mae angen help arnoch?").get_by_role(
        "radio", name="O fewn wythnos"
    ).check()
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Ar ba ddyddiad mae angen help arnoch?")
    in_welsh(page, axe, "times")
    day = help_date()
    page.get_by_label("Diwrnod").fill(str(day.day))
    page.get_by_label("Mis").fill(str(day.month))
    page.get_by_label("Blwyddyn").fill(str(day.year))
    page.get_by_label("O", exact=True).select_option("10")
    page.get_by_label("Tan").select_option("13")
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Ble mae angen help arnoch?")
    in_welsh(page, axe, "where")
    page.get_by_role("radio", name="Yn fy nghyfeiriad cartref (KT1 1EU)").check()
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Unrhyw beth y dylai'r cynorthwyydd ei wybod")
    in_welsh(page, axe, "preferences")
    page.get_by_label("Pa iaith ddylai eich cynorthwyydd ei siarad? (dewisol)").fill("Cymraeg")
    page.get_by_role("button", name="Parhau").click()

    heading_is(page, "Gwiriwch eich atebion cyn anfon eich cais")
    in_welsh(page, axe, "check answers")
    answers = page.locator(".govuk-summary-list").inner_text()
    for answer in ("Shopping", "Siopa wythnosol", "Unwaith", "O fewn wythnos", "10yb i 1yh", "Cymraeg"):
        assert answer in answers, answers
    page.get_by_role("button", name="Anfon y cais").click()

    panel = page.locator(".govuk-panel--confirmation")
    assert "Cais wedi'i anfon" in panel.inner_text()
    in_welsh(page, axe, "confirmation")
    need = Need.objects.get(reference=panel.locator("strong").inner_text().strip())
    assert need.language == "cy"  # an ISO 639 code, for the engine's language fit
    newcomer.refresh_from_db()
    assert newcomer.language == Language.WELSH
    assert newcomer.resident.language == "cy"


def test_the_language_switcher_works_without_javascript(
    site,
    new_page,
    welsh_council,
):
    page = new_page(java_script=False)
    page.goto(site + "/accessibility/")
    page.get_by_role("button", name="Cymraeg").click()
    heading_is(page, "Datganiad hygyrchedd ar gyfer Kingston Convene")
    assert page.evaluate("document.documentElement.lang") == "cy"
    page.get_by_role("button", name="English").click()
    heading_is(page, "Accessibility statement for Kingston Convene")
    assert page.evaluate("document.documentElement.lang") == "en-GB"


def test_pages_before_signing_in_pass_axe_in_welsh(
    site,
    new_page,
    axe,
    welsh_council,
):
    page = new_page()
    page.goto(site + "/")
    page.get_by_role("button", name="Cymraeg").click()
    heading_is(page, "Cael help neu gynnig help yn Kingston")
    in_welsh(page, axe, "start")
    for path, heading in (
        ("/accounts/login/", "Mewngofnodi"),
        ("/accounts/signup/", "Creu cyfrif"),
        ("/accounts/password/reset/", "Ailosod eich cyfrinair"),
    ):
        page.goto(site + path)
        heading_is(page, heading)
        in_welsh(page, axe, path)


def test_an_officer_turns_welsh_on_for_the_council(
    site,
    new_page,
    axe,
    officer,
    council,
):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/rules/")
    page.get_by_role("link", name="Change languages offered").click()
    heading_is(page, "Languages")
    accessible(page, axe, "console languages")
    page.get_by_label("Offer the service in Welsh (Cymraeg) as well as English").check()
    page.get_by_role("button", name="Save").click()
    heading_is(page, "Market rules")
    council.refresh_from_db()
    assert council.welsh_enabled is True
    assert page.get_by_role("navigation", name="Language switcher").is_visible()

"""Referrers and the phone line in real Chromium, with axe-core on every new page:
a referrer asks to refer residents, an officer approves them in the console, the
referrer refers someone (refused without consent, then saved), asks for help for
them on the residents' question pages, follows the request, sends a code, and the
person claims their account; an officer on the phone line acts for a caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platform_core.models import User
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from residents.tests.factories import ReferrerFactory
from tests.browser.helpers import accessible, form_refused, heading_is, question, sign_in_with_cookie

pytestmark = pytest.mark.browser


def _ask_for_help(page, axe) -> None:
    """The residents' question pages, answered for someone else."""
    question(page, "What kind of help do you need?")
    assert "You are acting for Ada Lovelace" in page.locator("main").inner_text()
    accessible(page, axe, "category, for someone else")
    page.get_by_role("radio", name="Shopping").check()
    page.get_by_role("button", name="Continue").click()
    question(page, "What help do you need?")
    page.get_by_label("Give your request a short title").fill("Weekly shop")
    page.get_by_label("Describe the help you need").fill("Carry bags from the market.")
    page.get_by_role("button", name="Continue").click()
    question(page, "When do you need help?")
    page.get_by_role("group", name="How often do you need help?").get_by_role("radio", name="Once").check()
    page.get_by_role("group", name="How soon do you need help?").get_by_role("radio", name="Within a week").check()
    page.get_by_role("button", name="Continue").click()
    day = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("From").select_option("10")
    page.get_by_label("Until").select_option("13")
    page.get_by_role("button", name="Continue").click()
    question(page, "Where do you need help?")
    page.get_by_role("radio", name="At my home address (KT1 1EU)").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    question(page, "Check your answers before sending your request")
    accessible(page, axe, "check answers, for someone else")
    page.get_by_role("button", name="Send request").click()
    assert "Request sent" in page.locator(".govuk-panel--confirmation").inner_text()
    accessible(page, axe, "confirmation, for someone else")


def test_a_referrer_refers_someone_and_they_claim_their_account(
    site, new_page, axe, council, officer, kingston_postcodes
):
    ServiceCategoryFactory(council=council, name="Shopping", slug="shopping")
    referrer_user = UserFactory(role=User.Role.RESIDENT, full_name="Sam Prescriber")
    page = new_page()
    sign_in_with_cookie(page, site, referrer_user)

    page.goto(site + "/referrals/")
    heading_is(page, "People you referred")
    accessible(page, axe, "referrals dashboard, not yet a referrer")
    page.get_by_role("link", name="Ask to refer residents to a council").click()
    heading_is(page, "Ask to refer residents")
    page.get_by_role("button", name="Send request").click()
    assert "Enter the name of your organisation" in page.locator(".govuk-error-summary").inner_text()
    form_refused(page)
    accessible(page, axe, "apply, with errors")
    page.get_by_role("radio", name=council.name).check()
    page.get_by_label("Your organisation").fill("Canbury Medical Centre")
    page.get_by_label("Your role").fill("Social prescriber")
    page.get_by_label("Work phone number").fill("020 7946 0000")
    page.get_by_role("button", name="Send request").click()
    heading_is(page, "People you referred")
    assert "Waiting for the council" in page.locator("main").inner_text()

    # The officer approves in the console.
    console = new_page()
    sign_in_with_cookie(console, site, officer)
    console.goto(site + "/console/referrers/")
    heading_is(console, "Referrers")
    accessible(console, axe, "referrer queue")
    console.get_by_role("link", name="Canbury Medical Centre").click()
    heading_is(console, "Canbury Medical Centre")
    accessible(console, axe, "referrer detail")
    console.get_by_role("radio", name="Approve").check()
    console.get_by_role("button", name="Record decision").click()
    heading_is(console, "Referrers")

    # The referrer refers someone: refused without consent, saved with it.
    page.goto(site + "/referrals/")
    page.get_by_role("button", name="Refer someone").click()
    heading_is(page, "Refer someone")
    accessible(page, axe, "refer someone")
    page.get_by_label("Their full name").fill("Ada Lovelace")
    page.get_by_label("Address line 1").fill("3 Eden Street")
    page.get_by_label("Postcode").fill("KT1 1EU")
    page.get_by_label("Their phone number (optional)").fill("07700 900123")
    page.get_by_role("radio", name="Through the referrer").check()
    page.get_by_role("button", name="Save with their consent").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter who agreed" in summary and "Enter the date they agreed" in summary
    form_refused(page)
    accessible(page, axe, "refer someone, without consent")
    page.get_by_label("Who agreed?").fill("Ada Lovelace, in person at the surgery")
    today = timezone.localdate()
    consent_date = page.get_by_role("group", name="When did they agree?")
    consent_date.get_by_label("Day").fill(str(today.day))
    consent_date.get_by_label("Month").fill(str(today.month))
    consent_date.get_by_label("Year").fill(str(today.year))
    page.get_by_role("radio", name="Verbal").check()
    page.get_by_role("button", name="Save with their consent").click()
    heading_is(page, "Ada Lovelace")
    accessible(page, axe, "referred resident")

    page.get_by_role("button", name="Ask for help for them").click()
    _ask_for_help(page, axe)
    page.get_by_role("link", name="go to your requests").click()
    heading_is(page, "Ada Lovelace")
    assert "Weekly shop" in page.locator("main").inner_text()

    page.get_by_role("link", name="Send them a code to manage their own account").click()
    heading_is(page, "Send them a code to manage their own account")
    accessible(page, axe, "claim code")
    page.get_by_role("radio", name="Text message").check()
    page.get_by_role("button", name="Send the code").click()
    heading_is(page, "Ada Lovelace")

    from platform_core.models import Notification
    from residents.notifications import CLAIM_CODE

    ada = User.objects.get(full_name="Ada Lovelace")
    code = Notification.objects.get(user=ada, kind=CLAIM_CODE.code).message.split(" is ")[1].split(".")[0]
    person = new_page()
    person.goto(site + "/claim/")
    heading_is(person, "Manage your own requests for help")
    accessible(person, axe, "claim")
    person.get_by_label("Your code").fill(code)
    person.get_by_label("Your email address").fill("ada@example.org")
    person.get_by_label("Choose a password").fill("a long pass phrase 42")
    person.get_by_role("button", name="Continue").click()
    heading_is(person, "Your account is ready")
    accessible(person, axe, "claimed")

    page.goto(site + f"/referrals/residents/{ada.resident.pk}/erase/")
    heading_is(page, "Erase their details")
    accessible(page, axe, "erase")


def test_an_officer_on_the_phone_line_creates_a_resident_for_a_caller(
    site, new_page, axe, council, officer, kingston_postcodes
):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/referrals/residents/new/")
    heading_is(page, "Refer someone")
    accessible(page, axe, "officer: a resident for a caller")
    page.get_by_label("Why are you creating this resident?").fill("Caller on the helpline asked for shopping help")
    page.get_by_label("Their full name").fill("Bert Caller")
    page.get_by_label("Address line 1").fill("5 Eden Street")
    page.get_by_label("Postcode").fill("KT1 1EU")
    page.get_by_role("radio", name="Letter").check()
    page.get_by_label("Who agreed?").fill("Bert Caller, on the phone")
    today = timezone.localdate()
    consent_date = page.get_by_role("group", name="When did they agree?")
    consent_date.get_by_label("Day").fill(str(today.day))
    consent_date.get_by_label("Month").fill(str(today.month))
    consent_date.get_by_label("Year").fill(str(today.year))
    page.get_by_role("radio", name="Verbal").check()
    page.get_by_role("button", name="Save with their consent").click()
    heading_is(page, "Bert Caller")
    accessible(page, axe, "officer: the caller's page")
    page.goto(site + "/referrals/")
    heading_is(page, "People you referred")
    assert "Bert Caller" in page.locator("main").inner_text()
    accessible(page, axe, "officer: phone line list")


def test_a_referrers_pages_in_welsh_pass_axe(site, new_page, axe, council, kingston_postcodes):
    """Every referrer page with Welsh chosen: lang="cy", Welsh headings, axe clean."""
    from platform_core.models import Language
    from residents.referrals import services

    council.welsh_enabled = True
    council.save(update_fields=["welsh_enabled"])
    referrer = ReferrerFactory(council=council, user__language=Language.WELSH, user__full_name="Sam Prescriber")
    consent = {"given_by": "Ada", "agreed_to": "Sharing", "given_on": timezone.localdate(), "method": "verbal"}
    ada = services.referred_resident_create(
        by=referrer.user,
        full_name="Ada Lovelace",
        address_line_1="3 Eden Street",
        postcode="KT1 1EU",
        phone="07700 900123",
        contact_preference="referrer",
        consent=consent,
    )
    page = new_page()
    sign_in_with_cookie(page, site, referrer.user)
    for path, what in [
        ("/referrals/", "dashboard"),
        ("/referrals/apply/", "apply"),
        ("/referrals/residents/new/", "refer someone"),
        (f"/referrals/residents/{ada.pk}/", "referred resident"),
        (f"/referrals/residents/{ada.pk}/claim-code/", "claim code"),
        (f"/referrals/residents/{ada.pk}/erase/", "erase"),
        (f"/resident/for/{ada.pk}/needs/new/", "category, for someone else"),
        ("/claim/", "claim"),
    ]:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.lang") == "cy", what
        accessible(page, axe, f"{what} (Welsh)")
    page.goto(site + "/referrals/residents/new/")
    page.locator("main form button[type=submit]").click()  # sent empty: the errors are in Welsh too
    form_refused(page)
    assert page.evaluate("document.documentElement.lang") == "cy"
    accessible(page, axe, "refer someone with errors (Welsh)")

"""The pages notifications added, in real Chromium with axe-core: how a provider
member chooses texts (with an error), and the officers' letters and failed
contacts (the reason page, then the list)."""

from __future__ import annotations

import pytest

from platform_core.models import NotifyBy
from platform_core.tests.factories import DeliveryFactory, NotificationFactory
from residents.models import ContactPreference
from residents.tests.factories import ResidentFactory
from tests.browser.helpers import accessible, heading_is, sign_in_with_cookie

pytestmark = pytest.mark.browser


def test_a_provider_member_chooses_text_messages(site, new_page, axe, provider_user):
    page = new_page()
    sign_in_with_cookie(page, site, provider_user)
    page.goto(site + "/provider/")
    page.get_by_role("link", name="How we contact you").click()
    heading_is(page, "How we contact you")
    accessible(page, axe, "contact preferences")

    page.get_by_label("Text message", exact=True).check()
    page.get_by_label("Mobile phone number (for text messages)").fill("020 7946 0000")
    page.get_by_role("button", name="Save").click()
    assert "Enter a mobile phone number to get text messages" in page.locator(".govuk-error-summary").inner_text()
    accessible(page, axe, "contact preferences with an error")

    page.get_by_label("Mobile phone number (for text messages)").fill("07700 900 982")
    page.get_by_role("button", name="Save").click()
    heading_is(page, "Notifications")
    provider_user.refresh_from_db()
    assert (provider_user.notify_by, provider_user.phone) == (NotifyBy.TEXT, "+447700900982")


def test_an_officer_sees_letters_to_post_and_failed_contacts(site, new_page, axe, officer, council):
    by_letter = ResidentFactory(
        council=council, contact_preference=ContactPreference.LETTER, address_line_1="9 Post Road"
    )
    DeliveryFactory(letter=True, notification=NotificationFactory(user=by_letter.user))
    texter = ResidentFactory(council=council)
    DeliveryFactory(failed=True, to="+447700900444", notification=NotificationFactory(user=texter.user))

    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/")
    page.get_by_role("link", name="Letters and failed contacts").click()
    heading_is(page, "Why do you need to see these contact details?")
    accessible(page, axe, "contacts: reason")

    page.get_by_label("Why do you need to see these contact details?").fill("Posting this week's letters")
    page.get_by_role("button", name="Show the list").click()
    heading_is(page, "Letters and failed contacts")
    assert "9 Post Road" in page.content() and "07700 900444" in page.content()
    accessible(page, axe, "contacts: list")

    page.get_by_role("button", name="Mark as posted").click()
    heading_is(page, "Letters and failed contacts")
    assert "No letters to post." in page.content()
    accessible(page, axe, "contacts: after posting")

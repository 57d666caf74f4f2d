"""Whole journeys in real Chromium, with axe-core on every page they pass through.

A resident asks for help (with and without JavaScript), a provider adds an
offer, both sides of a match answer it, an officer works the console, and a
keyboard user skips to the main content. Each page is checked by axe-core for
serious or critical WCAG 2.2 AA violations, and for JavaScript errors (a CSP
refusal shows up there).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platform_core.models import SafeguardingTier
from tests.browser.helpers import (
    accessible,
    heading_is,
    help_date,
    question,
    script_errors,
    sign_in,
    sign_in_with_cookie,
)

pytestmark = pytest.mark.browser


# --- a resident asks for help ------------------------------------------------------------


def test_a_resident_asks_for_help_and_every_page_passes_axe(
    site, new_page, axe, newcomer, shopping, transport, kingston_postcodes, published_tasks
):
    page = new_page()
    sign_in(page, site, newcomer)
    heading_is(page, "Your requests for help")
    accessible(page, axe, "resident dashboard")

    # No profile yet: asking for help starts with "Tell us about yourself", then comes back.
    page.get_by_role("button", name="Ask for help").click()
    question(page, "Tell us about yourself")
    accessible(page, axe, "profile")
    page.get_by_label("Address line 1").fill("12 Eden Street")
    page.get_by_label("Postcode").fill("kt1 1eu")
    page.get_by_label("Share my address and phone number").check()
    page.get_by_role("button", name="Save and continue").click()

    # Category: sending nothing shows the error summary, whose link goes to the first radio.
    question(page, "What kind of help do you need?")
    accessible(page, axe, "category")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "Select the kind of help you need" in summary.inner_text()
    question(page, "What kind of help do you need?", error=True)
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    accessible(page, axe, "category with an error")
    summary.get_by_role("link", name="Select the kind of help you need").click()
    assert page.evaluate("document.activeElement.id") == "id_category_0"
    page.get_by_role("radio", name="Shopping").check()
    page.get_by_role("button", name="Continue").click()

    question(page, "What help do you need?")
    accessible(page, axe, "what")
    page.get_by_label("Give your request a short title").fill("Weekly shop from Tesco")
    page.get_by_label("Describe the help you need").fill("I cannot carry heavy bags up the hill.")
    page.get_by_role("button", name="Continue").click()

    question(page, "When do you need help?")
    accessible(page, axe, "when")
    page.get_by_role("group", name="How often do you need help?").get_by_role("radio", name="Once").check()
    page.get_by_role("group", name="How soon do you need help?").get_by_role("radio", name="Within a week").check()
    page.get_by_role("button", name="Continue").click()

    question(page, "What date do you need help?")
    accessible(page, axe, "times")
    day = help_date()
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("From").select_option("10")
    page.get_by_label("Until").select_option("13")
    page.get_by_role("button", name="Continue").click()

    question(page, "Where do you need help?")
    accessible(page, axe, "where")
    page.get_by_role("radio", name="At my home address (KT1 1EU)").check()
    page.get_by_role("button", name="Continue").click()

    question(page, "Anything the helper should know")
    accessible(page, axe, "preferences")
    page.get_by_label("Which language should your helper speak? (optional)").fill("English")
    page.get_by_role("button", name="Continue").click()

    question(page, "Check your answers before sending your request")
    accessible(page, axe, "check answers")
    answers = page.locator(".govuk-summary-list").inner_text()
    for answer in ("Shopping", "Weekly shop from Tesco", "Once", "Within a week", "10am to 1pm", "KT1 1EU"):
        assert answer in answers, answers
    page.get_by_role("button", name="Send request").click()

    panel = page.locator(".govuk-panel--confirmation")
    assert "Request sent" in panel.inner_text()
    reference = panel.locator("strong").inner_text().strip()
    assert reference
    accessible(page, axe, "confirmation")

    from platform_core.services import MATCH_COUNCIL_TASK
    from residents.models import Need

    need = Need.objects.get(reference=reference)
    assert need.status == Need.Status.OPEN
    assert need.resident.user == newcomer
    assert MATCH_COUNCIL_TASK in published_tasks  # matching was told, after commit


def test_a_resident_asks_for_help_without_javascript(site, new_page, newcomer, shopping, kingston_postcodes):
    from residents.tests.factories import ResidentFactory

    ResidentFactory(user=newcomer, council=newcomer.council)
    page = new_page(java_script=False)
    sign_in(page, site, newcomer)
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")

    page.goto(site + "/resident/needs/new/")
    page.get_by_role("radio", name="Shopping").check()
    page.get_by_role("button", name="Continue").click()

    # An empty title: the summary still lists the error and links to the field.
    question(page, "What help do you need?")
    page.get_by_label("Describe the help you need").fill("A lift would be lovely.")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a short title for your request" in summary.inner_text()
    question(page, "What help do you need?", error=True)
    assert summary.get_by_role("link").first.get_attribute("href") == "#id_title"
    assert page.get_by_label("Describe the help you need").input_value() == "A lift would be lovely."
    page.get_by_label("Give your request a short title").fill("Shopping on Saturday")
    page.get_by_role("button", name="Continue").click()

    heading_is(page, "When do you need help?")
    page.get_by_role("radio", name="Every week").check()
    page.get_by_role("radio", name="Within a few weeks").check()
    page.get_by_role("button", name="Continue").click()

    question(page, "When in the week can help come?")
    page.get_by_role("checkbox", name="Saturday morning").check()
    page.get_by_role("button", name="Continue").click()

    # A weekly need asks how often and until when (visits of ongoing help).
    heading_is(page, "How often should help come?")
    page.get_by_label("Every week").check()
    page.get_by_label("After a number of visits").check()
    page.get_by_label("Number of visits, if they stop after a number").fill("6")
    page.get_by_role("button", name="Continue").click()

    heading_is(page, "Where do you need help?")
    page.get_by_role("radio", name="Somewhere else").check()
    page.get_by_label("Postcode of the place, if somewhere else").fill("KT2 5AU")
    page.get_by_role("button", name="Continue").click()

    heading_is(page, "Anything the helper should know")
    page.get_by_role("button", name="Continue").click()

    heading_is(page, "Check your answers before sending your request")
    assert "Saturday morning" in page.locator(".govuk-summary-list").inner_text()
    page.get_by_role("button", name="Send request").click()
    assert "Request sent" in page.locator(".govuk-panel--confirmation").inner_text()
    assert script_errors(page) == []


# --- a provider adds an offer --------------------------------------------------------------


def test_a_provider_adds_an_offer_within_the_price_cap(site, new_page, axe, council, shopping, kingston_postcodes):
    from providers.models import Offer
    from providers.tests.factories import ProviderFactory, ProviderMemberFactory

    provider = ProviderFactory(council=council, name="Surbiton Shoppers", clearance=SafeguardingTier.ID_CHECKED)
    member = ProviderMemberFactory(provider=provider).user
    page = new_page()
    sign_in(page, site, member)
    heading_is(page, "Your offers")
    accessible(page, axe, "provider dashboard")

    page.get_by_role("link", name="Add an offer").click()
    heading_is(page, "Add an offer")
    accessible(page, axe, "offer form")
    page.get_by_label("Title").fill("Saturday shopping run")
    page.get_by_label("Describe the help you offer").fill("We shop at the market and bring it to your door.")
    page.get_by_role("checkbox", name="Shopping").check()
    page.get_by_label("How many people can you help at once?").fill("3")
    page.get_by_label("How far will you travel, in kilometres?").fill("4")
    page.get_by_role("radio", name="Per visit").check()
    page.get_by_label("Price in pounds, if not free").fill("25")
    page.get_by_role("button", name="Save offer").click()

    summary = page.locator(".govuk-error-summary")
    assert "The council's cap for Shopping is £15" in summary.inner_text()
    question(page, "Add an offer", error=True)
    accessible(page, axe, "offer form with an error")
    assert page.get_by_label("Title").input_value() == "Saturday shopping run"
    page.get_by_label("Price in pounds, if not free").fill("12.50")
    page.get_by_role("button", name="Save offer").click()

    heading_is(page, "Saturday shopping run")
    accessible(page, axe, "offer page")
    page.get_by_role("link", name="Back").click()
    offers = page.get_by_role("table", name="Offers")
    assert "Saturday shopping run" in offers.inner_text()
    offer = Offer.objects.get(provider=provider)
    assert offer.price_pence == 1250


# --- both sides of a match -------------------------------------------------------------------


def test_the_provider_accepts_and_the_resident_confirms_then_sees_contact_details(
    site, new_page, axe, council, shopping
):
    from matching.models import Match
    from matching.tests.factories import MatchFactory
    from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
    from residents.models import Need
    from residents.tests.factories import NeedFactory, ResidentFactory

    provider = ProviderFactory(council=council, name="Kingston Helpers", phone="020 7946 0000")
    provider_user = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[shopping])
    resident = ResidentFactory(council=council, address_line_1="12 Secret Lane")
    need = NeedFactory(resident=resident, category=shopping, status=Need.Status.PROPOSED)
    match = MatchFactory(need=need, offer=offer, explanation="1.2 km away · rated 4.8")
    url = f"{site}/matches/{match.pk}/"

    helper = new_page()
    sign_in(helper, site, provider_user)
    helper.goto(site + "/matches/")
    accessible(helper, axe, "provider's matches")
    answer_by = helper.get_by_role("table", name="Requests to answer").locator("td").nth(2).inner_text()
    assert answer_by.endswith(("am", "pm")), answer_by  # GOV.UK style: 9:30am, not 9:30 a.m.
    helper.get_by_role("link", name="Shopping").click()
    assert helper.url == url
    assert "12 Secret Lane" not in helper.content()
    accessible(helper, axe, "proposal, provider side")
    helper.get_by_role("button", name="Accept").click()
    assert "You accepted" in helper.locator(".govuk-notification-banner").inner_text()
    accessible(helper, axe, "accepted, provider side")

    person = new_page()
    sign_in(person, site, resident.user)
    person.goto(site + "/matches/")
    accessible(person, axe, "resident's matches")
    person.goto(url)
    assert "020 7946 0000" not in person.content()
    accessible(person, axe, "accepted, resident side")
    person.get_by_role("button", name="Confirm and share my details").click()
    contact = person.locator("#contact-details")
    assert "Kingston Helpers" in contact.inner_text()
    assert "020 7946 0000" in contact.inner_text()
    accessible(person, axe, "confirmed, resident side")
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED

    helper.reload()
    assert "12 Secret Lane" in helper.locator("#contact-details").inner_text()


# --- the officer console ---------------------------------------------------------------------

CONSOLE_PAGES = [
    ("/console/", "Council console"),
    ("/console/verification/", "Evidence waiting for a decision"),
    ("/console/moderation/", "Moderation"),
    ("/console/safeguarding/", "Safeguarding concerns"),
    ("/console/rules/", "Market rules"),
    ("/console/analytics/", "Market analytics"),
]


def test_the_officer_console_pages_pass_axe(site, new_page, axe, officer, council):
    from marketplace.models import ModerationFlag, TargetType
    from marketplace.tests.conftest import build_market
    from providers.models import Offer, VerificationEvidence
    from providers.tests.factories import EvidenceFactory, OfferFactory

    # Something in every queue: evidence to check and evidence expiring, an offer to
    # review and a flagged need, a safeguarding concern, and a market to analyse.
    market = build_market(council)
    EvidenceFactory(
        provider=market.provider,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    OfferFactory(provider=market.provider, categories=[market.category], status=Offer.Status.PENDING_REVIEW)
    ModerationFlag.objects.create(
        council=council, target_type=TargetType.NEED, target_id=market.need.pk, cause=ModerationFlag.Cause.PHONE
    )

    page = new_page()
    sign_in_with_cookie(page, site, officer)
    for path, heading in CONSOLE_PAGES:
        page.goto(site + path)
        heading_is(page, heading)
        accessible(page, axe, path)

    # One step down from each queue: the pages where officers decide.
    for path in (
        f"/console/verification/{market.evidence.pk}/",
        f"/console/moderation/need/{market.need.pk}/",
        f"/console/safeguarding/{market.concern.pk}/",
        f"/console/providers/{market.provider.pk}/",
        f"/console/residents/{market.resident.pk}/",
        "/console/audit/",
    ):
        page.goto(site + path)
        accessible(page, axe, path)


def test_an_officer_searches_for_a_resident_giving_a_reason(site, new_page, axe, officer, council):
    from marketplace.tests.conftest import build_market

    market = build_market(council)
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/residents/")
    heading_is(page, "Find a resident")
    page.get_by_label("Name, e-mail address, postcode or need reference").fill(market.need.reference)
    page.get_by_role("button", name="Search").click()
    accessible(page, axe, "resident search without a reason")
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("Why are you searching?").fill("Resident phoned about her request")
    page.get_by_role("button", name="Search").click()
    accessible(page, axe, "resident search results")
    assert page.locator("main table").is_visible()


def test_a_resident_makes_and_revokes_an_api_token_without_javascript(site, new_page, axe, newcomer):
    page = new_page(java_script=False)
    sign_in(page, site, newcomer)
    page.goto(site + "/account/tokens/")
    heading_is(page, "API tokens")
    page.get_by_label("Name").fill("Spreadsheet at home")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    heading_is(page, "Copy your new token now")
    assert len(page.locator("#token").inner_text().strip()) == 64
    page.get_by_role("link", name="Back to your tokens").click()
    page.get_by_role("link", name="Revoke Spreadsheet at home").click()
    heading_is(page, "Revoke “Spreadsheet at home”?")
    page.get_by_role("button", name="Revoke token").click()
    assert "You have no tokens." in page.content()


def test_the_api_token_pages_pass_axe(site, new_page, axe, newcomer):
    page = new_page()
    sign_in(page, site, newcomer)
    page.goto(site + "/account/tokens/")
    accessible(page, axe, "tokens")
    page.get_by_role("button", name="Create token").click()
    accessible(page, axe, "tokens with an error")
    page.get_by_label("Name").fill("Phone app")
    page.get_by_role("button", name="Create token").click()
    accessible(page, axe, "new token")
    page.goto(site + "/account/tokens/")
    page.get_by_role("link", name="Revoke Phone app").click()
    accessible(page, axe, "revoke token")


def test_the_analytics_page_shows_its_tables_without_javascript(site, new_page, officer, council, shopping):
    from residents.tests.factories import NeedFactory

    NeedFactory(resident__council=council, category=shopping)
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/")
    heading_is(page, "Market analytics")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")
    tables = page.locator("main table.govuk-table")
    assert tables.count() >= 2
    for table in tables.all():
        assert table.is_visible()
        assert table.locator("caption").inner_text().strip()
    demand = page.get_by_role("table", name="Demand and supply by category")
    row = demand.get_by_role("row", name="Shopping")
    assert row.get_by_role("rowheader").inner_text() == "Shopping"
    assert row.get_by_role("cell").first.inner_text() == "1"  # one open need
    # The server-drawn charts need no script either, and name the table they summarise.
    assert page.locator("main svg[role=img] title").count() >= 1


# --- keyboard ------------------------------------------------------------------------------------


def test_tab_from_the_top_of_a_question_page_reaches_the_skip_link_which_moves_focus_to_main(
    site, new_page, council, shopping
):
    from residents.tests.factories import ResidentFactory

    user = ResidentFactory(council=council).user
    page = new_page()
    sign_in_with_cookie(page, site, user)
    page.goto(site + "/resident/needs/new/")
    heading_is(page, "What kind of help do you need?")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert page.locator(".govuk-skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    # The next Tab continues inside main, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")

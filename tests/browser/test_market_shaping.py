"""Market shaping in real Chromium, with axe-core on every page: where help is
missing (the map), opportunities for providers, the market position statement
and the what-if of a rule change. Each also works with JavaScript off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory
from tests.browser.helpers import accessible, form_refused, heading_is, sign_in_with_cookie


@pytest.fixture
def unmet(council, kingston_postcodes):
    shopping = ServiceCategoryFactory(council=council, name="Shopping", price_cap_pence=1500)
    resident = ResidentFactory(council=council)
    for n in range(14):
        NeedFactory(
            resident=resident,
            category=shopping,
            status=Need.Status.EXPIRED if n % 2 else Need.Status.OPEN,
            posted_at=timezone.now() - timedelta(days=6),
            closed_at=timezone.now() - timedelta(days=2) if n % 2 else None,
        )
    NeedFactory(resident=resident, category=ServiceCategoryFactory(council=council, name="Lifts"))
    provider = ProviderFactory(council=council)
    for _ in range(5):
        OfferFactory(provider=provider, categories=[shopping], capacity=2, capacity_left=2)
    return shopping


def test_an_officer_reads_the_map_of_unmet_needs(site, new_page, axe, officer, unmet):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/map/")
    heading_is(page, "Where help is missing")
    accessible(page, axe, "map")
    assert page.locator("#market-map polygon").count() > 0
    page.get_by_label("Category").select_option(label="Shopping")
    page.get_by_label("Colour the cells by").select_option(label="Spare places in offers reaching the cell")
    page.get_by_role("button", name="Show").click()
    heading_is(page, "Where help is missing")
    accessible(page, axe, "map of spare places")
    table = page.locator("#map-table").inner_text()
    assert "KT1-1" in table and "Whole council" in table
    assert "Shopping" in page.locator("#map-period").inner_text()


def test_the_map_works_without_javascript(site, new_page, officer, unmet):
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/map/")
    heading_is(page, "Where help is missing")
    assert page.locator("#market-map polygon").count() > 0
    page.get_by_label("Category").select_option(label="Shopping")
    page.get_by_role("button", name="Show").click()
    assert "Shopping" in page.locator("#map-period").inner_text()
    assert page.locator("#map-table tbody tr").count() > 0


def test_a_prospective_provider_finds_the_help_needed_near_them(site, new_page, axe, unmet):
    page = new_page()
    page.goto(site + "/")
    page.get_by_role("link", name="See the help residents need near you").click()
    heading_is(page, "Help needed in your area")
    accessible(page, axe, "opportunities")
    page.get_by_role("button", name="Show the help needed").click()
    heading_is(page, "Help needed in your area")
    form_refused(page)
    accessible(page, axe, "opportunities with an error")
    page.get_by_label("Your postcode").fill("KT1 1EU")
    page.get_by_role("button", name="Show the help needed").click()
    accessible(page, axe, "opportunities near KT1 1EU")
    assert "Shopping" in page.locator("#opportunity-categories").inner_text()
    assert "£15.00" in page.locator("#opportunity-categories").inner_text()
    page.get_by_role("button", name="Register to offer help").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url or "/provider/register/" in url)


def test_opportunities_work_without_javascript(site, new_page, unmet):
    page = new_page(java_script=False)
    page.goto(site + "/opportunities/")
    page.get_by_label("Or choose a council").select_option(label="Royal Borough of Kingston upon Thames")
    page.get_by_role("button", name="Show the help needed").click()
    assert page.locator("#opportunity-districts tbody tr").count() > 0


def test_a_provider_sees_the_help_needed_near_its_base(site, new_page, axe, council, unmet):
    from providers.tests.factories import ProviderMemberFactory

    provider = ProviderFactory(council=council, name="Surbiton Shoppers")
    member = ProviderMemberFactory(provider=provider).user
    page = new_page()
    sign_in_with_cookie(page, site, member)
    page.goto(site + "/provider/")
    page.get_by_role("link", name="Help needed near you").click()
    heading_is(page, "Help needed near you")
    accessible(page, axe, "provider opportunities")
    assert "Your checks" in page.locator("#opportunity-categories").inner_text()


def test_an_officer_issues_the_market_position_statement(site, new_page, axe, officer, unmet):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/")
    page.get_by_role("link", name="Market position statement").click()
    heading_is(page, "Market position statement")
    accessible(page, axe, "statement")
    assert "Shopping" in page.locator("#statement-demand").inner_text()
    # Printed, only the statement shows: no header, no console navigation, no form.
    page.emulate_media(media="print")
    assert not page.locator("header.govuk-header").is_visible()
    assert not page.locator("nav[aria-label='Council console']").is_visible()
    assert page.locator("#statement").is_visible()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


def test_the_statement_works_without_javascript(site, new_page, officer, unmet):
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/statement/")
    page.get_by_label("From").fill("2026-01-01")
    page.get_by_role("button", name="Show this period").click()
    assert "1 January 2026" in page.locator("#statement").inner_text()


def test_an_officer_previews_a_rule_change_and_sees_what_matching_would_do(site, new_page, axe, officer, unmet):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/rules/market/")
    page.get_by_label("Furthest a match may span, in km").fill("2")
    page.get_by_label("Weight: urgency").fill("5")
    page.get_by_role("button", name="Preview the effect").click()
    heading_is(page, "Change market rules")
    accessible(page, axe, "market rules with a what-if")
    summary = page.locator("#whatif-summary").inner_text()
    assert "Needs served" in summary and "Mean distance" in summary
    assert page.locator("#whatif-urgency").is_visible() and page.locator("#whatif-district").is_visible()


def test_the_what_if_works_without_javascript(site, new_page, officer, unmet):
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, officer)
    page.goto(site + f"/console/rules/categories/{unmet.pk}/")
    page.get_by_label("Price cap in pounds (optional)").fill("5")
    page.get_by_role("button", name="Preview the effect").click()
    assert "If matching ran now" in page.locator("#whatif").inner_text()

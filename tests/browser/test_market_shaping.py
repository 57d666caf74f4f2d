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

from .test_journeys import accessible, heading_is, new_page, published_tasks, sign_in_with_cookie  # noqa: F401


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


def test_an_officer_reads_the_map_of_unmet_needs(site, new_page, axe, officer, unmet):  # noqa: F811
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


def test_the_map_works_without_javascript(site, new_page, officer, unmet):  # noqa: F811
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/map/")
    heading_is(page, "Where help is missing")
    assert page.locator("#market-map polygon").count() > 0
    page.get_by_label("Category").select_option(label="Shopping")
    page.get_by_role("button", name="Show").click()
    assert "Shopping" in page.locator("#map-period").inner_text()
    assert page.locator("#map-table tbody tr").count() > 0

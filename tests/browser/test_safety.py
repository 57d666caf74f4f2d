"""Safety in matching (issue 9) in real Chromium, with axe-core on every new page:
a resident keeps a provider away and allows them again; an officer adds an
exclusion on a resident's behalf."""

from __future__ import annotations

import pytest

from matching.models import Exclusion
from matching.tests.factories import MatchFactory
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory, ResidentFactory
from tests.browser.helpers import accessible, form_refused, heading_is, sign_in_with_cookie

pytestmark = pytest.mark.browser


@pytest.fixture
def finished_match(council, kingston_postcodes):
    category = ServiceCategoryFactory(council=council, name="Shopping")
    provider = ProviderFactory(council=council, name="Rude Helpers")
    ProviderMemberFactory(provider=provider)
    resident = ResidentFactory(council=council)
    return MatchFactory(
        need=NeedFactory(resident=resident, category=category),
        offer=OfferFactory(provider=provider, categories=[category]),
        completed=True,
    )


def test_a_resident_keeps_a_provider_away_and_allows_them_again(
    site,
    new_page,
    axe,
    finished_match,
):
    page = new_page()
    sign_in_with_cookie(page, site, finished_match.need.resident.user)
    page.goto(f"{site}/matches/{finished_match.pk}/")
    page.get_by_role("link", name="Do not match me with Rude Helpers again").click()
    heading_is(page, "Never match you with Rude Helpers again?")
    accessible(page, axe, "exclude a provider")
    page.get_by_role("button", name="Do not match me with them again").click()
    heading_is(page, "Providers you do not want to be matched with")
    accessible(page, axe, "exclusions list")
    assert Exclusion.objects.filter(provider=finished_match.offer.provider).exists()
    page.get_by_role("button", name="Allow again Rude Helpers").click()
    heading_is(page, "Providers you do not want to be matched with")
    accessible(page, axe, "exclusions list, empty")
    assert not Exclusion.objects.exists()


def test_the_exclusion_pages_work_without_javascript(
    site,
    new_page,
    finished_match,
):
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, finished_match.need.resident.user)
    page.goto(f"{site}/matches/{finished_match.pk}/exclude/")
    page.get_by_role("button", name="Do not match me with them again").click()
    heading_is(page, "Providers you do not want to be matched with")
    assert Exclusion.objects.count() == 1


def test_an_officer_adds_an_exclusion_for_a_resident(
    site,
    new_page,
    axe,
    officer,
    finished_match,
):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    resident = finished_match.need.resident
    page.goto(f"{site}/console/residents/{resident.pk}/exclusions/add/")
    heading_is(page, "Keep a provider away from this resident")
    accessible(page, axe, "officer: add an exclusion")
    page.get_by_role("button", name="Add the exclusion").click()
    form_refused(page)
    accessible(page, axe, "officer: add an exclusion, with errors")
    page.get_by_label("Which provider should never be matched with this resident?").select_option(label="Rude Helpers")
    page.get_by_label("Why?").fill("The resident phoned: never this provider again")
    page.get_by_role("button", name="Add the exclusion").click()
    page.wait_for_url(lambda url: "/exclusions/add/" not in url)
    assert Exclusion.objects.get(resident=resident).source == Exclusion.Source.OFFICER


@pytest.fixture
def unmatched(council, kingston_postcodes):
    """An urgent need in a category no offer serves, after one matching run; and an offer elsewhere."""
    from matching.runner import match_council_run
    from residents.models import Need

    council.contact_email = "help@kingston.example"
    council.save()
    gardening = ServiceCategoryFactory(council=council, name="Gardening")
    shopping = ServiceCategoryFactory(council=council, name="Shopping")
    provider = ProviderFactory(council=council, name="Busy Bees")
    ProviderMemberFactory(provider=provider)
    OfferFactory(provider=provider, categories=[shopping, gardening], capacity=1, capacity_left=0)
    need = NeedFactory(resident=ResidentFactory(council=council), category=gardening, urgency=Need.Urgency.URGENT)
    match_council_run(council_id=council.pk, trigger="test")
    return need


def test_a_resident_reads_why_no_helper_was_found(site, new_page, axe, unmatched):
    page = new_page()
    sign_in_with_cookie(page, site, unmatched.resident.user)
    page.goto(f"{site}/resident/needs/{unmatched.reference}/")
    page.get_by_text("Why we have not found a helper yet").wait_for()
    assert "Every helper who could help is busy at the moment." in page.content()
    accessible(page, axe, "need page with its reason")


def test_an_officer_works_the_needs_at_risk_and_proposes_by_hand(site, new_page, axe, officer, unmatched):
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(f"{site}/console/at-risk/")
    heading_is(page, "Needs at risk")
    accessible(page, axe, "needs at risk")
    page.get_by_label("Postcode district").fill("KT1")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"Propose an offer for {unmatched.reference}").click()
    heading_is(page, "Propose an offer")
    accessible(page, axe, "propose an offer")
    page.get_by_label("Which offer should we propose?").select_option(index=1)
    page.get_by_label("Why are you proposing it?").fill("The resident phoned; the garden is a hazard")
    page.get_by_role("button", name="Propose this offer").click()
    form_refused(page)
    assert "This offer is full" in page.content()
    accessible(page, axe, "propose an offer, refused")

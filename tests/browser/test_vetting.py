"""Vetting belongs to the person (issue 9 item 2, ADR 0023) in real Chromium, with
axe-core on every new or changed page: a member's checks page, a provider
accepting a home visit naming the member who will visit, and the resident's
confirmation naming their helper and the checks they hold."""

from __future__ import annotations

import pytest

from matching.models import Match
from matching.tests.factories import MatchFactory
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory, UserFactory
from providers import services as provider_services
from providers.models import Provider, ProviderMember, VerificationEvidence
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory, ResidentFactory
from tests.browser.helpers import accessible, form_refused, heading_is, sign_in_with_cookie

pytestmark = pytest.mark.browser
EK = VerificationEvidence.Kind


@pytest.fixture
def home_visit(council, kingston_postcodes):
    """A charity where Alice holds an accepted enhanced DBS check and Bob none, and a
    home-visit proposal to it."""
    category = ServiceCategoryFactory(
        council=council, name="Home visits", slug="home-visits", safeguarding_tier=SafeguardingTier.DBS_CHECKED
    )
    provider = ProviderFactory(council=council, kind=Provider.Kind.CHARITY, name="Friendly Visitors", clearance="")
    alice = ProviderMemberFactory(provider=provider, user=UserFactory(full_name="Alice Smith", role="provider"))
    bob = ProviderMemberFactory(
        provider=provider, user=UserFactory(full_name="Bob Jones", role="provider"), role=ProviderMember.Role.MEMBER
    )
    EvidenceFactory(provider=provider, kind=EK.CHARITY_NUMBER, status="accepted")
    EvidenceFactory(provider=provider, member=alice, kind=EK.DBS, reference="001234567890", status="accepted")
    EvidenceFactory(provider=provider, member=alice, kind=EK.ID_CHECK, reference="PASS1234", status="accepted")
    provider_services.provider_recompute_clearance(provider=provider)
    resident = ResidentFactory(council=council)
    match = MatchFactory(
        need=NeedFactory(resident=resident, category=category),
        offer=OfferFactory(provider=provider, categories=[category]),
    )
    match.alice, match.bob = alice, bob
    return match


def test_a_member_sees_their_colleagues_checks_and_sends_their_own(site, new_page, axe, home_visit):
    page = new_page()
    provider = home_visit.offer.provider
    sign_in_with_cookie(page, site, home_visit.bob.user)
    page.goto(f"{site}/provider/{provider.pk}/members/")
    heading_is(page, "Members")
    accessible(page, axe, "members with their checks")
    page.get_by_role("link", name="Checks of Alice Smith").click()
    heading_is(page, "Checks of Alice Smith")
    assert "Alice Smith can be named to make home visits." in page.content()
    accessible(page, axe, "a member's checks")
    page.goto(f"{site}/provider/{provider.pk}/members/{home_visit.bob.pk}/checks/")
    heading_is(page, "Checks of Bob Jones")
    page.get_by_role("link", name="Add DBS certificate").click()
    heading_is(page, "DBS certificate of Bob Jones")
    accessible(page, axe, "send a member's DBS certificate")
    page.get_by_label("DBS certificate number").fill("001234567891")
    page.get_by_role("button", name="Send to the council").click()
    form_refused(page)
    accessible(page, axe, "a member's DBS certificate refused")
    page.get_by_label("Enhanced", exact=True).check()
    issued = page.get_by_role("group", name="Date of issue")
    issued.get_by_label("Day").fill("1")
    issued.get_by_label("Month").fill("6")
    issued.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Send to the council").click()
    heading_is(page, "Checks of Bob Jones")
    assert VerificationEvidence.objects.get(member=home_visit.bob, kind=EK.DBS).dbs_level == "enhanced"


def test_a_provider_accepts_naming_who_will_visit_and_the_resident_sees_them(site, new_page, axe, home_visit):
    provider_page = new_page()
    sign_in_with_cookie(provider_page, site, home_visit.bob.user)
    provider_page.goto(f"{site}/matches/{home_visit.pk}/")
    heading_is(provider_page, "Home visits")
    accessible(provider_page, axe, "a proposal that names who will visit")
    provider_page.get_by_role("button", name="Accept").click()
    form_refused(provider_page)
    assert "Choose who will visit" in provider_page.content()
    accessible(provider_page, axe, "accepting without naming anyone, refused")
    provider_page.get_by_label("Alice Smith").check()
    provider_page.get_by_role("button", name="Accept").click()
    provider_page.locator("#attending").wait_for()
    home_visit.refresh_from_db()
    assert home_visit.status == Match.Status.ACCEPTED and home_visit.attending_member == home_visit.alice

    resident_page = new_page()
    sign_in_with_cookie(resident_page, site, home_visit.need.resident.user)
    resident_page.goto(f"{site}/matches/{home_visit.pk}/")
    resident_page.get_by_role("button", name="Confirm and share my details").click()
    resident_page.locator("#your-helper").wait_for()
    helper = resident_page.locator("#your-helper").inner_text()
    assert "Alice will help you: DBS checked (enhanced), ID checked." in helper
    assert "Smith" not in resident_page.content()
    accessible(resident_page, axe, "the resident's confirmation naming the helper")

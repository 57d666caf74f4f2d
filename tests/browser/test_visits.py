"""Ongoing help in real Chromium, with axe-core on every new page (ADR 0018): the
resident says how often and until when, the provider records visits and exports
them, the resident disputes one and pauses or ends the visits, and the officer
reads the visit figures and sets the rules. Recording also works without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from matching.models import Visit
from matching.services import visits as visit_services
from matching.tests.factories import ArrangementFactory, MatchFactory
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory
from tests.browser.helpers import accessible, form_refused, heading_is, sign_in_with_cookie


@pytest.fixture
def ongoing(council, kingston_postcodes):
    """A confirmed weekly arrangement (Monday, Wednesday and Friday mornings for six
    weeks) whose first two visits have taken place."""
    befriending = ServiceCategoryFactory(council=council, name="Befriending")
    provider = ProviderFactory(council=council, name="Kingston Friends")
    member = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[befriending])
    resident = ResidentFactory(council=council)
    need = NeedFactory(resident=resident, category=befriending, weekly=True)
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    arrangement = ArrangementFactory(match=match)
    visit_services.visits_generate(arrangement=arrangement)
    for days, visit in zip((8, 3), Visit.objects.filter(match=match).order_by("starts_at")[:2], strict=True):
        start = timezone.now() - timedelta(days=days)
        Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + timedelta(hours=4))
    return {"match": match, "provider_user": member, "resident_user": resident.user}


def _date(page, name: str, day) -> None:
    for n, value in enumerate((day.day, day.month, day.year)):
        page.locator(f"#id_{name}_{n}").fill(str(value))


def refused(page, axe, what: str) -> None:
    """A refused form is the page again with its error summary, answered with a 400
    (ADR 0012): the browser logs that status, which is no script error."""
    form_refused(page)
    assert page.locator(".govuk-error-summary").count() == 1
    accessible(page, axe, what)


def test_a_resident_says_how_often_and_until_when(site, new_page, axe, resident, council):
    shopping = ServiceCategoryFactory(council=council, name="Shopping")
    draft = NeedFactory(
        resident=resident,
        category=shopping,
        status=Need.Status.DRAFT,
        posted_at=None,
        weekly=True,
        ends_on=None,
    )
    page = new_page()
    sign_in_with_cookie(page, site, resident.user)
    page.goto(f"{site}/resident/needs/{draft.reference}/repeat/")
    heading_is(page, "How often should help come?")
    accessible(page, axe, "how often")
    page.get_by_label("Every week").check()
    page.get_by_label("After a number of visits").check()
    page.get_by_role("button", name="Continue").click()
    assert "Enter the number of visits" in page.locator(".govuk-error-summary").inner_text()
    refused(page, axe, "how often, with an error")
    page.get_by_label("Number of visits, if they stop after a number").fill("18")
    page.get_by_role("button", name="Continue").click()
    heading_is(page, "Where do you need help?")
    draft.refresh_from_db()
    assert draft.visit_count == 18


def test_the_provider_records_a_visit_and_exports_them(site, new_page, axe, ongoing):
    match = ongoing["match"]
    page = new_page()
    sign_in_with_cookie(page, site, ongoing["provider_user"])
    page.goto(f"{site}/matches/{match.pk}/")
    page.get_by_role("link", name="See and record the visits").click()
    heading_is(page, "Visits: Befriending")
    accessible(page, axe, "visits, provider side")
    page.get_by_role("link", name="Record").first.click()
    heading_is(page, "What happened?")
    accessible(page, axe, "record a visit")
    page.get_by_label("The visit was missed").check()
    page.get_by_role("button", name="Record the visit").click()
    assert "Say why the visit was missed" in page.locator(".govuk-error-summary").inner_text()
    refused(page, axe, "record a visit, with an error")
    page.get_by_label("If it was missed or cancelled, why?").fill("Volunteer was ill")
    page.get_by_role("button", name="Record the visit").click()
    heading_is(page, "Visits: Befriending")
    assert "The visit is recorded." in page.locator(".govuk-notification-banner").inner_text()
    assert "Volunteer was ill" in page.locator("table").inner_text()

    page.goto(f"{site}/matches/visits/")
    heading_is(page, "Your visits")
    accessible(page, axe, "the provider's visits")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all visits (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("Visit,Request,Category") and "Missed" in text


def test_the_provider_records_a_visit_without_javascript(site, new_page, ongoing):
    page = new_page(java_script=False)
    sign_in_with_cookie(page, site, ongoing["provider_user"])
    page.goto(f"{site}/matches/{ongoing['match'].pk}/visits/")
    page.get_by_role("link", name="Record").first.click()
    page.get_by_label("The visit took place").check()
    page.get_by_label("Time spent, in minutes").fill("45")
    page.get_by_role("button", name="Record the visit").click()
    heading_is(page, "Visits: Befriending")
    assert Visit.objects.filter(match=ongoing["match"], status=Visit.Status.DONE, minutes_spent=45).exists()


def test_the_resident_disputes_a_visit_pauses_and_ends(site, new_page, axe, ongoing):
    match = ongoing["match"]
    page = new_page()
    sign_in_with_cookie(page, site, ongoing["resident_user"])
    page.goto(f"{site}/matches/{match.pk}/visits/")
    heading_is(page, "Visits: Befriending")
    accessible(page, axe, "visits, resident side")
    page.get_by_role("link", name="It did not happen").first.click()
    heading_is(page, "What happened?")
    accessible(page, axe, "dispute a visit")
    page.get_by_label("What happened?").fill("Nobody came")
    page.get_by_role("button", name="Send").click()
    heading_is(page, "Visits: Befriending")
    assert "Did not happen, says the resident" in page.locator("table").inner_text()

    today = timezone.localdate()
    page.get_by_role("link", name="Pause the visits").click()
    heading_is(page, "Pause the visits")
    accessible(page, axe, "pause")
    _date(page, "starts_on", today)
    _date(page, "ends_on", today - timedelta(days=1))
    page.get_by_label("Why are the visits paused?").fill("In hospital")
    page.get_by_role("button", name="Pause the visits").click()
    assert "The pause must end on or after the day it starts" in page.locator(".govuk-error-summary").inner_text()
    refused(page, axe, "pause, with an error")
    _date(page, "ends_on", today + timedelta(days=7))
    page.get_by_role("button", name="Pause the visits").click()
    heading_is(page, "Visits: Befriending")

    page.get_by_role("link", name="End the visits").click()
    heading_is(page, "End the visits")
    accessible(page, axe, "end")
    _date(page, "last_day", today + timedelta(days=14))
    page.get_by_label("Why are the visits ending?").fill("Moving to my daughter's")
    page.get_by_role("button", name="End the visits").click()
    heading_is(page, "Visits: Befriending")
    assert "The last day is" in page.locator(".govuk-summary-list").inner_text()


def test_the_officer_reads_the_visit_figures_and_sets_the_rules(site, new_page, axe, officer, ongoing):
    first = Visit.objects.filter(match=ongoing["match"]).order_by("starts_at").first()
    visit_services.visit_record(visit=first, user=ongoing["provider_user"], outcome="missed", reason="Ill")
    page = new_page()
    sign_in_with_cookie(page, site, officer)
    page.goto(site + "/console/analytics/")
    heading_is(page, "Market analytics")
    accessible(page, axe, "analytics with visits")
    assert "Kingston Friends" in page.locator("#table-missed_by_provider").inner_text()
    page.goto(site + "/console/rules/market/")
    accessible(page, axe, "market rules with the rules of ongoing help")
    assert page.get_by_label("Missed visits in a row that alert the council's officers").input_value() == "2"

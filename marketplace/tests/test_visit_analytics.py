"""Visits of ongoing help in the console's analytics: delivered against planned by
category and district, missed-visit rates per provider, right after a dispute,
for officers only, at a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.selectors.analytics import Period
from marketplace.selectors.visits import visit_figures
from matching.models import Visit
from matching.services import visits as visit_services
from matching.tests.factories import ArrangementFactory, MatchFactory, VisitFactory
from platform_core.models import SafeguardingTier
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _visit(match, days_ago: float, **fields) -> Visit:
    start = timezone.now() - timedelta(days=days_ago)
    return VisitFactory(match=match, starts_at=start, ends_at=start + timedelta(hours=2), **fields)


@pytest.fixture
def ongoing(council, kingston_postcodes):
    """One arrangement in KT1 with visits in every state: done twice, missed,
    done but about to be disputed, cancelled, past and unrecorded, and to come."""
    category = ServiceCategoryFactory(council=council, name="Befriending", safeguarding_tier=SafeguardingTier.OPEN)
    provider = ProviderFactory(council=council, name="Kingston Friends")
    member = ProviderMemberFactory(provider=provider).user
    offer = OfferFactory(provider=provider, categories=[category])
    resident = ResidentFactory(council=council, postcode="KT1 1EU")
    need = NeedFactory(resident=resident, category=category, weekly=True, postcode="KT1 1EU")
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    ArrangementFactory(match=match)
    recorded = [_visit(match, d) for d in (20, 13, 10, 6)]
    for visit, outcome in zip(recorded, ("done", "done", "missed", "done"), strict=True):
        visit_services.visit_record(visit=visit, user=member, outcome=outcome, reason="Ill")
    _visit(match, 5, status=Visit.Status.CANCELLED, reason="Holiday")
    _visit(match, 1)  # due, not recorded
    _visit(match, -3)  # still to come: not planned yet in the figures
    return {"match": match, "disputable": recorded[3], "category": category, "resident": resident.user}


def _figures(council):
    return visit_figures(council=council, period=Period.last_days(30))


def test_delivered_against_planned_by_category_and_district(council, ongoing):
    (row,) = _figures(council).by_category_district
    assert row["category_id"] == ongoing["category"].pk and row["district"] == "KT1"
    assert (row["planned"], row["delivered"], row["missed"], row["not_recorded"], row["cancelled"]) == (5, 3, 1, 1, 1)


def test_statistics_after_a_dispute_count_the_visit_as_missed(council, ongoing):
    (before,) = _figures(council).by_provider
    assert (before["delivered"], before["missed"], before["rate"]) == (3, 1, 25.0)
    visit_services.visit_dispute(visit=ongoing["disputable"], user=ongoing["resident"], reason="Nobody came")
    figures = _figures(council)
    (provider,) = figures.by_provider
    assert (provider["planned"], provider["delivered"], provider["missed"], provider["disputed"]) == (5, 2, 2, 1)
    assert provider["rate"] == 50.0
    assert figures.totals == {
        "planned": 5,
        "delivered": 2,
        "missed": 2,
        "disputed": 1,
        "not_recorded": 1,
        "cancelled": 1,
    }


def test_other_councils_visits_are_not_counted(council, other_council, ongoing):
    assert _figures(other_council).by_category_district == []
    assert _figures(other_council).by_provider == []


def test_the_dashboard_shows_the_visit_tables_and_exports_them(officer_client, council, ongoing):
    visit_services.visit_dispute(visit=ongoing["disputable"], user=ongoing["resident"], reason="Nobody came")
    response = officer_client.get(reverse("marketplace:analytics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="table-visits_by_area"' in body and 'id="table-missed_by_provider"' in body
    assert "1 of them because the resident said the visit did not happen" in body
    export = officer_client.get(reverse("marketplace:analytics"), {"export": "missed_by_provider"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][0] == "Provider" and rows[1] == ["Kingston Friends", "5", "2", "2", "1", "50.0"]
    export = officer_client.get(reverse("marketplace:analytics"), {"export": "visits_by_area"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1] == ["Befriending, KT1", "5", "2", "2", "1", "40.0"]


def test_the_figures_cost_two_queries_whatever_the_number_of_visits(council, ongoing):
    match = ongoing["match"]
    counts = []
    for extra in (10, 1000):
        start = timezone.now() - timedelta(days=25)
        Visit.objects.bulk_create(
            [
                Visit(
                    match=match,
                    council=council,
                    starts_at=start + timedelta(minutes=extra + i),
                    ends_at=start + timedelta(minutes=extra + i + 60),
                    slot=0,
                    status=Visit.Status.DONE,
                )
                for i in range(extra)
            ]
        )
        with CaptureQueriesContext(connection) as ctx:
            _figures(council)
        counts.append(len(ctx.captured_queries))
    assert counts == [2, 2]


def test_residents_and_providers_cannot_read_the_analytics(client, ongoing):
    client.force_login(ongoing["resident"])
    assert client.get(reverse("marketplace:analytics")).status_code in (302, 403)


def test_officers_set_the_rules_of_ongoing_help_on_the_regulation_page(officer_client, council):
    from platform_core.models import AuditEvent, MarketRule, default_weights

    url = reverse("marketplace:market_rule_edit")
    page = officer_client.get(url).content.decode()
    assert "Missed visits in a row that alert the council" in page
    data = {
        "max_distance_km": "10.0",
        "response_deadline_hours": "24",
        "max_open_proposals_volunteer": "3",
        "missed_visits_alert_after": "3",
        "visit_notice_days": "14",
        **{f"weight_{k}": str(v) for k, v in default_weights().items()},
    }
    refused = officer_client.post(url, {**data, "missed_visits_alert_after": "500", "confirm": "1"})
    assert "Ensure this value is less than or equal to 20" in refused.content.decode()
    assert officer_client.post(url, {**data, "confirm": "1"}).status_code == 302
    rule = MarketRule.objects.get(council=council)
    assert (rule.missed_visits_alert_after, rule.visit_notice_days) == (3, 14)
    event = AuditEvent.objects.get(action="regulation.market_rule_update")
    assert event.data["before"]["missed_visits_alert_after"] == 2
    assert event.data["after"]["visit_notice_days"] == 14

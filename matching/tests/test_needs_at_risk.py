"""Needs at risk (issue 9, item 3): the reason a batch leaves a need unmatched, the
resident's words, the officers' worklist, a proposal by hand, expiry and the alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchRun, NeedRisk
from matching.runner import match_council_run
from matching.services.risks import match_propose_by_officer, need_risks_alert
from platform_core.models import AuditEvent, MarketRule, Notification
from platform_core.tests.factories import ServiceCategoryFactory
from providers.tests.factories import OfferFactory
from residents.models import Need
from residents.services import need_expire_overdue
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db


def run(council) -> MatchRun:
    return match_council_run(council_id=council.pk, trigger="test")


@pytest.fixture
def gardening(council):
    return ServiceCategoryFactory(council=council, name="Gardening", slug="gardening")


@pytest.fixture
def lonely_need(resident, gardening):
    """A need in a category that no offer serves."""
    return NeedFactory(resident=resident, category=gardening, urgency=Need.Urgency.URGENT)


def test_a_need_no_offer_serves_gets_its_reason_after_one_run(council, lonely_need, offer):
    result = run(council)
    assert NeedRisk.objects.get(need=lonely_need).reason == "no_offer"
    assert result.unmatched_reasons == {"no_offer": 1}


def test_the_resident_reads_why_in_plain_words_with_what_to_do_and_who_to_call(
    client, council, lonely_need, resident_user
):
    council.contact_email = "help@kingston.example"
    council.save()
    run(council)
    client.force_login(resident_user)
    html = client.get(reverse("residents:need_detail", args=[lonely_need.reference])).content.decode()
    assert "No helper offers this kind of help near you yet." in html
    assert "You could ask for a different kind of help" in html
    assert "help@kingston.example" in html


def test_no_shared_time_says_when(client, council, resident, category, make_provider, resident_user):
    need = NeedFactory(resident=resident, category=category)
    make_provider(weekly_slots=[0])  # Monday mornings only; the need is tomorrow afternoon
    run(council)
    assert NeedRisk.objects.get(need=need).reason == "no_shared_time"
    client.force_login(resident_user)
    html = client.get(reverse("residents:need_detail", args=[need.reference])).content.decode()
    assert "No helper is free at the times you chose" in html and "Choosing more times may help." in html


def test_a_need_proposed_later_loses_its_risk(council, lonely_need, gardening, provider):
    run(council)
    OfferFactory(provider=provider, categories=[gardening])
    run(council)
    assert not NeedRisk.objects.filter(need=lonely_need).exists()
    assert Match.objects.filter(need=lonely_need).exists()


def test_the_at_risk_list_shows_the_need_with_its_reason(officer_client, council, lonely_need, gardening):
    run(council)
    html = officer_client.get(reverse("marketplace:needs_at_risk")).content.decode()
    assert lonely_need.reference in html and "No offer for this kind of help" in html
    filtered = officer_client.get(reverse("marketplace:needs_at_risk"), {"category": gardening.pk, "district": "KT1"})
    assert lonely_need.reference in filtered.content.decode()
    other = officer_client.get(reverse("marketplace:needs_at_risk"), {"district": "KT9"})
    assert lonely_need.reference not in other.content.decode()


def test_the_list_is_ordered_by_urgency_then_time_waited(officer_client, council, resident, gardening):
    now = timezone.now()
    old_routine = NeedFactory(resident=resident, category=gardening, urgency=1, posted_at=now - timedelta(days=5))
    new_urgent = NeedFactory(resident=resident, category=gardening, urgency=3, posted_at=now - timedelta(hours=1))
    old_urgent = NeedFactory(resident=resident, category=gardening, urgency=3, posted_at=now - timedelta(days=1))
    run(council)
    html = officer_client.get(reverse("marketplace:needs_at_risk")).content.decode()
    positions = [html.index(n.reference) for n in (old_urgent, new_urgent, old_routine)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_at_risk_list_costs_the_same_queries_for_10_or_1000_needs(
    officer_client, council, resident, gardening, rows, django_assert_max_num_queries
):
    needs = NeedFactory.create_batch(rows, resident=resident, category=gardening) if rows <= 10 else None
    if needs is None:
        template = NeedFactory(resident=resident, category=gardening)
        Need.objects.bulk_create(
            [
                Need(
                    council=council,
                    resident=resident,
                    category=gardening,
                    title=f"n{i}",
                    status=Need.Status.OPEN,
                    postcode=template.postcode,
                    latitude=template.latitude,
                    longitude=template.longitude,
                    posted_at=timezone.now(),
                    reference=f"N-Q{i:05d}",
                )
                for i in range(rows - 1)
            ]
        )
    NeedRisk.objects.bulk_create(
        [NeedRisk(need=n, council=council, reason="no_offer") for n in Need.objects.filter(category=gardening)]
    )
    officer_client.get(reverse("marketplace:needs_at_risk"))  # warm the session and the officer's checks
    with django_assert_max_num_queries(16) as captured:
        response = officer_client.get(reverse("marketplace:needs_at_risk"))
    assert response.status_code == 200
    assert response.content.decode().count("Propose an offer<span") == min(rows, 50)
    test_the_at_risk_list_costs_the_same_queries_for_10_or_1000_needs.counts[rows] = len(captured)
    if len(test_the_at_risk_list_costs_the_same_queries_for_10_or_1000_needs.counts) == 2:
        assert len(set(test_the_at_risk_list_costs_the_same_queries_for_10_or_1000_needs.counts.values())) == 1


test_the_at_risk_list_costs_the_same_queries_for_10_or_1000_needs.counts = {}


def test_an_officer_proposes_an_offer_by_hand_and_the_provider_sees_an_ordinary_proposal(
    officer_client, officer, council, resident, category, offer, provider_user
):
    need = NeedFactory(resident=resident, category=category)
    NeedRisk.objects.create(need=need, council=council, reason="all_busy")
    url = reverse("marketplace:need_propose", args=[need.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(url, {"offer": offer.pk, "reason": "Resident phoned; this charity can help"})
    assert response.status_code == 302
    match = Match.objects.get(need=need)
    assert match.status == Match.Status.PROPOSED and match.offer == offer
    assert Need.objects.get(pk=need.pk).status == Need.Status.PROPOSED
    event = AuditEvent.objects.get(action="matching.manual_proposal")
    assert event.actor == officer and event.reason == "Resident phoned; this charity can help"
    notice = Notification.objects.get(user=provider_user, kind="match.proposed")
    assert "council" not in notice.message.lower()


def test_a_manual_proposal_onto_a_full_offer_is_refused_with_a_clear_message(
    officer_client, council, resident, category, offer
):
    need = NeedFactory(resident=resident, category=category)
    NeedRisk.objects.create(need=need, council=council, reason="all_busy")
    MatchFactory(offer=offer, need__category=category, need__resident__council=council, confirmed=True)
    response = officer_client.post(
        reverse("marketplace:need_propose", args=[need.pk]), {"offer": offer.pk, "reason": "Try it"}
    )
    assert response.status_code == 400
    assert "This offer is full" in response.content.decode()
    assert not Match.objects.filter(need=need).exists()


def test_a_manual_proposal_outside_the_radius_is_refused_with_a_clear_message(
    officer, council, resident, category, make_provider
):
    need = NeedFactory(resident=resident, category=category)
    far, _ = make_provider(latitude=51.363283, longitude=-0.309002, radius_km=2)  # KT9, about 5 km away
    with pytest.raises(ValidationError) as refused:
        match_propose_by_officer(officer=officer, need=need, offer=far, reason="Try it")
    assert "out of the offer's reach" in str(refused.value)
    assert not Match.objects.filter(need=need).exists()


def test_a_manual_proposal_respects_the_residents_exclusions(officer, council, resident, category, offer):
    from matching.models import Exclusion

    Exclusion.objects.create(resident=resident, provider=offer.provider, source=Exclusion.Source.MATCH)
    need = NeedFactory(resident=resident, category=category)
    with pytest.raises(ValidationError) as refused:
        match_propose_by_officer(officer=officer, need=need, offer=offer, reason="Try it")
    assert "cannot be proposed for this need" in str(refused.value)


def test_an_officer_of_another_council_cannot_propose(other_officer, need, offer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        match_propose_by_officer(officer=other_officer, need=need, offer=offer, reason="x")


def test_expiry_tells_the_resident_and_counts_as_unmet_by_reason(officer_client, council, lonely_need, resident_user):
    run(council)
    Need.objects.filter(pk=lonely_need.pk).update(
        window_start=timezone.now() - timedelta(days=2), window_end=timezone.now() - timedelta(days=1)
    )
    assert need_expire_overdue() == 1
    assert need_expire_overdue() == 0  # twice: told once
    [notice] = Notification.objects.filter(user=resident_user, kind="need.expired_unmatched")
    assert lonely_need.reference in notice.message
    html = officer_client.get(reverse("marketplace:needs_at_risk")).content.decode()
    table = html[html.index('id="unmet-by-reason"') :]
    assert 'data-reason="no_offer"' in table and ">1</td>" in table
    assert lonely_need.reference not in html[: html.index('id="unmet-by-reason"')]  # no longer waiting
    # The council's analytics dashboard counts it as unmet, under its reason (issue 9, item 3).
    analytics = officer_client.get(reverse("marketplace:analytics")).content.decode()
    table = analytics[analytics.index('id="table-unmet_reason"') :]
    table = table[: table.index("</table>")]
    assert "No offer for this kind of help</th>" in table
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in table
    csv = officer_client.get(reverse("marketplace:analytics"), {"export": "unmet_reason"})
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[1:] == ["No offer for this kind of help,1,0"]


def test_analytics_counts_needs_waiting_at_risk_and_expired_by_reason(council, lonely_need, resident, gardening):
    from marketplace.presentation import dashboard

    run(council)
    other = NeedFactory(resident=resident, category=gardening)
    run(council)
    Need.objects.filter(pk=other.pk).update(status=Need.Status.EXPIRED)
    never_judged = NeedFactory(resident=resident, category=gardening)
    Need.objects.filter(pk=never_judged.pk).update(status=Need.Status.EXPIRED)
    board = dashboard(council=council)
    [table] = [t for t in board.tables if t.key == "unmet_reason"]
    rows = [[str(row[0]), *row[1:]] for row in table.rows]
    assert rows == [
        ["No offer for this kind of help", 1, 1],
        ["No reason recorded (no batch judged it)", 1, 0],
    ]


def test_an_urgent_need_unmatched_too_long_alerts_officers_once(council, lonely_need, officer):
    MarketRule.objects.update_or_create(council=council, defaults={"urgent_unmatched_alert_hours": 2})
    Need.objects.filter(pk=lonely_need.pk).update(posted_at=timezone.now() - timedelta(hours=1))
    run(council)
    assert not Notification.objects.filter(user=officer, kind="need.at_risk").exists()
    Need.objects.filter(pk=lonely_need.pk).update(posted_at=timezone.now() - timedelta(hours=3))
    run(council)
    run(council)
    assert need_risks_alert(council=council, now=timezone.now()) == 0
    [alert] = Notification.objects.filter(user=officer, kind="need.at_risk")
    assert lonely_need.reference in alert.message

"""The visits pages as people use them: the arrangement's list, recording,
disputing, pausing and ending, the provider's list and its CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import Visit
from matching.services import visits as visit_services
from providers.models import Provider
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.tests.factories import NeedFactory

from .factories import ArrangementFactory, MatchFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrangement(resident, category, offer):
    need = NeedFactory(resident=resident, category=category, weekly=True)
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    arrangement = ArrangementFactory(match=match)
    visit_services.visits_generate(arrangement=arrangement)
    return arrangement


def _past_visit(arrangement) -> Visit:
    visit = Visit.objects.filter(match=arrangement.match).order_by("starts_at").first()
    start = timezone.now() - timedelta(days=2)
    Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + timedelta(hours=4))
    visit.refresh_from_db()
    return visit


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_provider_sees_the_visits_and_records_one(client, arrangement, provider_user):
    visit = _past_visit(arrangement)
    client.force_login(provider_user)
    page = client.get(reverse("matching:visits", args=[arrangement.match_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Every week: Monday morning, Wednesday morning, Friday morning" in body
    assert reverse("matching:visit_record", args=[visit.pk]) in body

    url = reverse("matching:visit_record", args=[visit.pk])
    refused = client.post(url, {"outcome": "missed", "reason": ""})
    assert refused.status_code == 400
    assert "Say why the visit was missed" in refused.content.decode()
    done = client.post(url, {"outcome": "done", "minutes": "45"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.minutes_spent) == (Visit.Status.DONE, 45)


def test_the_resident_says_a_visit_did_not_happen(client, arrangement, resident_user):
    visit = _past_visit(arrangement)
    client.force_login(resident_user)
    body = client.get(reverse("matching:visits", args=[arrangement.match_id])).content.decode()
    url = reverse("matching:visit_dispute", args=[visit.pk])
    assert url in body
    assert "Record" not in body  # recording is the provider's
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Nobody came"}).status_code == 302
    visit.refresh_from_db()
    assert visit.dispute_reason == "Nobody came"


def test_the_resident_cannot_open_the_record_page_nor_the_provider_the_dispute_page(
    client, arrangement, resident_user, provider_user
):
    visit = _past_visit(arrangement)
    client.force_login(resident_user)
    assert client.get(reverse("matching:visit_record", args=[visit.pk])).status_code == 403
    client.force_login(provider_user)
    assert client.get(reverse("matching:visit_dispute", args=[visit.pk])).status_code == 403


def test_pausing_and_ending_from_the_pages(client, arrangement, resident_user):
    client.force_login(resident_user)
    today = timezone.localdate()
    pause_url = reverse("matching:visits_pause", args=[arrangement.match_id])
    bad = client.post(
        pause_url,
        {
            "starts_on_day": today.day,
            "starts_on_month": today.month,
            "starts_on_year": today.year,
            "ends_on_day": "31",
            "ends_on_month": "12",
            "ends_on_year": "9999",
            "reason": "Away",
        },
    )
    assert bad.status_code == 400
    import re

    print(re.findall(r"<li>(.*?)</li>", bad.content.decode()))
    assert "Enter a date before" in bad.content.decode()
    until = today + timedelta(days=7)
    ok = client.post(
        pause_url,
        {
            "starts_on_day": today.day,
            "starts_on_month": today.month,
            "starts_on_year": today.year,
            "ends_on_day": until.day,
            "ends_on_month": until.month,
            "ends_on_year": until.year,
            "reason": "Away",
        },
    )
    assert ok.status_code == 302
    last = today + timedelta(days=21)
    ended = client.post(
        reverse("matching:visits_end", args=[arrangement.match_id]),
        {"last_day_day": last.day, "last_day_month": last.month, "last_day_year": last.year, "reason": "Moving"},
    )
    assert ended.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.ended_on == last
    body = client.get(reverse("matching:visits", args=[arrangement.match_id])).content.decode()
    assert "Pause the visits" not in body  # ended: nothing more to pause


def test_the_provider_exports_its_visits_as_csv(client, arrangement, provider_user):
    visit = _past_visit(arrangement)
    visit_services.visit_record(visit=visit, user=provider_user, outcome="done", minutes=30)
    client.force_login(provider_user)
    rows = _csv(client.get(reverse("matching:visits_export")))
    assert rows[0][:3] == ["Visit", "Request", "Category"]
    assert len(rows) == 1 + 18
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Status"] == "Done" and first["Minutes spent"] == "30"
    assert first["Request"] == arrangement.match.need.reference
    # Nothing of the resident's personal data: no name, no address.
    resident = arrangement.match.need.resident
    text = "\n".join(",".join(r) for r in rows)
    assert resident.address_line_1 not in text and resident.postcode not in text


def test_a_volunteer_exports_their_hours(client, council, category, resident):
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER)
    user = ProviderMemberFactory(provider=volunteer).user
    offer = OfferFactory(provider=volunteer, categories=[category])
    need = NeedFactory(resident=resident, category=category, weekly=True)
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    start = timezone.now() - timedelta(days=3)
    for i, minutes in enumerate((90, 30)):
        visit = VisitFactory(
            match=match, starts_at=start + timedelta(days=i), ends_at=start + timedelta(days=i, hours=4)
        )
        visit_services.visit_record(visit=visit, user=user, outcome="done", minutes=minutes)
    VisitFactory(
        match=match, starts_at=start - timedelta(days=7), ends_at=start - timedelta(days=7) + timedelta(hours=1)
    )
    client.force_login(user)
    rows = _csv(client.get(reverse("matching:hours_export")))
    assert rows[0] == [
        "Date",
        "Starts",
        "Category",
        "Request",
        "Provider",
        "Minutes",
        "Hours",
        "Resident says it did not happen",
    ]
    assert [r[5] for r in rows[1:]] == ["90", "30"]  # only visits done count
    assert sum(float(r[6]) for r in rows[1:]) == 2.0


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _visits_for(match, n: int) -> None:
    start = timezone.now() - timedelta(days=n)
    Visit.objects.bulk_create(
        [
            Visit(
                match=match,
                council_id=match.council_id,
                starts_at=start + timedelta(hours=i * 6),
                ends_at=start + timedelta(hours=i * 6 + 2),
                slot=0,
                status=Visit.Status.DONE if i % 2 else Visit.Status.SCHEDULED,
                minutes_spent=30 if i % 2 else None,
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("name", ["matching:visits", "matching:provider_visits", "matching:visits_export"])
def test_visits_lists_cost_the_same_queries_for_10_and_1000_visits(
    client, resident, category, provider, provider_user, name
):
    counts = []
    for n in (10, 1000):
        need = NeedFactory(resident=resident, category=category, weekly=True)
        match = MatchFactory(need=need, offer=OfferFactory(provider=provider, categories=[category]), confirmed=True)
        ArrangementFactory(match=match)
        _visits_for(match, n)
        client.force_login(provider_user)
        url = reverse(name, args=[match.pk]) if name == "matching:visits" else reverse(name)
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts

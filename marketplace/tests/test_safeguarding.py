"""Safeguarding concerns: raised by parties, invisible to the provider concerned."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from matching.models import Match
from platform_core.models import AuditEvent

from ..models import ConcernAction, SafeguardingConcern

pytestmark = pytest.mark.django_db

SECRET = "The helper asked for my PIN number and shouted at me"


@pytest.fixture
def raised(market):
    """The resident raises a concern about the provider through the page (own client)."""
    client = Client()
    client.force_login(market.resident.user)
    response = client.post(reverse("concerns:raise", kwargs={"match_id": market.match.pk}), {"description": SECRET})
    assert response.status_code == 200
    return SafeguardingConcern.objects.get(description=SECRET)


def test_resident_of_the_match_can_raise_a_concern_about_the_provider(raised, market):
    assert raised.provider == market.provider
    assert raised.raised_as == SafeguardingConcern.RaisedAs.RESIDENT
    assert AuditEvent.objects.filter(action="safeguarding.raise", object_id=str(raised.pk)).exists()


def test_provider_member_of_the_match_can_raise_a_concern_through_the_api(client, market):
    client.force_login(market.member)
    response = client.post(
        reverse("marketplace_api:concerns"),
        {"match": market.match.pk, "description": "The resident seemed frightened of a visitor."},
        content_type="application/json",
    )
    assert response.status_code == 201
    concern = SafeguardingConcern.objects.get(pk=response.json()["id"])
    assert concern.raised_as == SafeguardingConcern.RaisedAs.PROVIDER
    assert concern.provider is None


def test_someone_not_party_to_the_match_cannot_raise_a_concern_about_it(client, market, resident_user):
    client.force_login(resident_user)
    assert client.get(reverse("concerns:raise", kwargs={"match_id": market.match.pk})).status_code == 404
    response = client.post(
        reverse("marketplace_api:concerns"),
        {"match": market.match.pk, "description": "Something is wrong here."},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_concern_is_invisible_to_the_provider_it_concerns_in_pages(client, raised, market):
    client.force_login(market.member)
    pages = [
        reverse("concerns:mine"),
        reverse("providers:dashboard"),
        reverse("matching:dashboard"),
        reverse("notifications"),
        reverse("marketplace:concern_queue"),
        reverse("marketplace:concern_detail", kwargs={"pk": raised.pk}),
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert SECRET not in response.content.decode(), url
    assert client.get(reverse("marketplace:concern_detail", kwargs={"pk": raised.pk})).status_code == 403


def test_concern_is_invisible_to_the_provider_it_concerns_in_the_api(client, raised, market):
    client.force_login(market.member)
    assert client.get(reverse("marketplace_api:concerns")).json()["results"] == []
    assert client.get(reverse("marketplace_api:concern_detail", kwargs={"pk": raised.pk})).status_code == 404
    assert client.get(reverse("marketplace_api:console_concerns")).status_code == 403
    assert client.get(reverse("marketplace_api:console_concern_detail", kwargs={"pk": raised.pk})).status_code == 403
    for url in ("/api/v1/matches/", f"/api/v1/matches/{market.match.pk}/"):
        assert SECRET not in client.get(url).content.decode()


def test_the_resident_who_raised_it_sees_it_without_the_officers_log(client, raised, market):
    client.force_login(market.resident.user)
    body = client.get(reverse("marketplace_api:concern_detail", kwargs={"pk": raised.pk})).json()
    assert body["description"] == SECRET
    assert "risk" not in body and "outcome" not in body


def test_officer_pauses_the_provider_at_once_and_its_matches_are_withdrawn(officer_client, raised, market):
    response = officer_client.post(
        reverse("marketplace:concern_detail", kwargs={"pk": raised.pk}),
        {"action": "pause", "pause-reason_for_provider": "Paused while we review your account."},
    )
    assert response.status_code == 302
    assert response.url == reverse("marketplace:concern_detail", kwargs={"pk": raised.pk})
    market.provider.refresh_from_db()
    market.match.refresh_from_db()
    raised.refresh_from_db()
    assert market.provider.is_suspended
    assert SECRET not in market.provider.suspended_reason
    assert market.match.status == Match.Status.CANCELLED
    assert raised.provider_paused_at is not None
    assert AuditEvent.objects.filter(action="safeguarding.pause_provider", object_id=str(raised.pk)).exists()


def test_every_step_on_a_concern_is_logged_and_audited(
    officer_client, raised, mailoutbox, council, django_capture_on_commit_callbacks, tasks_inline
):
    council.safeguarding_email = "safeguarding@kingston.example"
    council.save()
    url = reverse("marketplace:concern_detail", kwargs={"pk": raised.pk})
    officer_client.post(url, {"action": "triage", "triage-risk": "high", "triage-note": "Called the resident"})
    officer_client.post(url, {"action": "note", "note-note": "Spoke to the provider's manager"})
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url, {"action": "escalate", "escalate-escalated_to": "", "escalate-reference": "SG-42"})
    officer_client.post(url, {"action": "close", "close-outcome": "Referred; provider removed"})
    raised.refresh_from_db()
    assert raised.status == SafeguardingConcern.Status.CLOSED
    assert raised.escalated_to == "safeguarding@kingston.example"
    assert raised.escalation_reference == "SG-42"
    kinds = list(raised.actions.values_list("kind", flat=True))
    assert kinds == ["triage", "note", "escalate", "close"]
    assert ConcernAction.objects.filter(concern=raised).count() == 4
    audited = set(
        AuditEvent.objects.filter(object_id=str(raised.pk), action__startswith="safeguarding.").values_list(
            "action", flat=True
        )
    )
    assert {
        "safeguarding.raise",
        "safeguarding.triage",
        "safeguarding.note",
        "safeguarding.escalate",
        "safeguarding.close",
    } <= audited
    assert any("safeguarding@kingston.example" in m.to for m in mailoutbox)
    assert tasks_inline.count("marketplace.tasks.concern_referral_email_send_task") == 1


@pytest.mark.parametrize(
    ("action", "field", "message"),
    [
        ("triage", "triage-note", "Notes must be 4000 characters or less"),
        ("note", "note-note", "What was done must be 4000 characters or less"),
        ("escalate", "escalate-note", "Notes must be 4000 characters or less"),
        ("close", "close-outcome", "Outcome must be 4000 characters or less"),
    ],
)
def test_a_note_longer_than_the_case_log_holds_is_a_400_and_changes_nothing(
    officer_client, raised, action, field, message
):
    url = reverse("marketplace:concern_detail", args=[raised.pk])
    data = {"action": action, field: "x" * 4001, "triage-risk": "high", "escalate-escalated_to": "sg@example.org"}
    response = officer_client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    raised.refresh_from_db()
    assert raised.status == SafeguardingConcern.Status.NEW and raised.outcome == "" and raised.risk == ""
    assert not ConcernAction.objects.filter(concern=raised).exists()

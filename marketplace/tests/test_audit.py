"""Personal data views are audited; the audit log can be read and exported, never changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.disclosure import ACTION as VIEWED
from platform_core.models import AuditEvent, Notification
from providers.models import VerificationEvidence
from providers.tests.factories import EvidenceFactory, ProviderMemberFactory

from ..services.verification import evidence_expiry_reminders_send
from ..tasks import evidence_expiry_reminders_task

pytestmark = pytest.mark.django_db


def test_every_view_of_a_residents_personal_data_writes_an_audit_event_with_the_reason(officer_client, market):
    url = reverse("marketplace:resident_detail", kwargs={"pk": market.resident.pk})
    first = officer_client.post(url, {"reason": "Safeguarding enquiry SG-42"})
    second = officer_client.post(url, {"reason": "Follow-up call with the resident"})
    for response in (first, second):
        assert market.resident.address_line_1 in response.content.decode()
        assert "Lives alone." in response.content.decode()
    events = AuditEvent.objects.filter(
        action=VIEWED, object_type="platform_core.User", object_id=str(market.resident.user_id)
    )
    assert sorted(events.values_list("reason", flat=True)) == [
        "Follow-up call with the resident",
        "Safeguarding enquiry SG-42",
    ]


def test_no_personal_data_is_shown_without_a_reason(officer_client, market):
    url = reverse("marketplace:resident_detail", kwargs={"pk": market.resident.pk})
    for response in (officer_client.get(url), officer_client.post(url, {"reason": ""})):
        assert market.resident.address_line_1 not in response.content.decode()
        assert "Lives alone." not in response.content.decode()
    assert not AuditEvent.objects.filter(action=VIEWED).exists()


def test_audit_log_filters_and_exports_csv(officer_client, market):
    officer_client.post(
        reverse("marketplace:resident_detail", kwargs={"pk": market.resident.pk}), {"reason": "Complaint 77"}
    )
    page = officer_client.get(reverse("marketplace:audit_log"), {"action": "personal_data."})
    assert "Complaint 77" in page.content.decode()
    export = officer_client.get(reverse("marketplace:audit_log"), {"action": "personal_data.", "export": "csv"})
    content = b"".join(export.streaming_content).decode()
    assert content.splitlines()[0].startswith("When,Actor,Action")
    assert "Complaint 77" in content


def test_audit_log_has_no_way_to_change_or_delete_entries(officer_client, market):
    officer_client.post(reverse("marketplace:resident_detail", kwargs={"pk": market.resident.pk}), {"reason": "x" * 9})
    event = AuditEvent.objects.get(action=VIEWED)
    assert officer_client.post(reverse("marketplace:audit_log"), {"id": event.pk}).status_code == 200
    assert AuditEvent.objects.filter(pk=event.pk, reason="x" * 9).exists()
    with pytest.raises(Exception):
        event.delete()


def test_expiry_reminders_are_sent_once_per_evidence(market, django_capture_on_commit_callbacks):
    ProviderMemberFactory(provider=market.provider)
    soon = EvidenceFactory(
        provider=market.provider,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    EvidenceFactory(
        provider=market.provider,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    assert evidence_expiry_reminders_send() == 1
    assert evidence_expiry_reminders_task() == 0
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None
    assert Notification.objects.filter(user=market.member, message__contains="expires on").count() == 1

"""/healthz and the audit log."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from platform_core.models import AuditEvent
from platform_core.services import audit_record

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


def test_healthz_is_503_naming_the_broker_when_redis_is_unreachable(client, settings):
    from platform_core.celery import app

    unreachable = "redis://127.0.0.1:1/0"
    original = app.conf.broker_url
    app.conf.broker_url = unreachable
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_audit_record_writes_who_what_which_and_from_where(rf, officer):
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Test browser")
    event = audit_record(
        actor=officer, action="resident.viewed", obj=officer, reason="Safeguarding check", request=request
    )
    assert event.actor == officer
    assert event.council == officer.council
    assert event.object_type == "platform_core.User"
    assert event.object_id == str(officer.pk)
    assert event.ip_address == "198.51.100.7"
    assert event.user_agent == "Test browser"


def test_audit_events_cannot_be_edited_or_deleted(officer):
    event = audit_record(actor=officer, action="test")
    event.reason = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""

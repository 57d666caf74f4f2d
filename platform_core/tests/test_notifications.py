"""Notifications follow each person's preference, leave from tasks, retry what
may work later, record what never will and try the other channel.

E-mail goes through Django's locmem backend (mail.outbox); texts through the
file backend (one file per text, in the test's own folder) or, where a test
says so, through the real notifications-python-client against a local
stand-in for GOV.UK Notify (notify_standin.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from matching.notifications import MATCH_ACCEPTED, MATCH_PROPOSED
from matching.services import match_accept
from matching.tests.factories import MatchFactory
from platform_core.models import Delivery, Notification, NotifyBy
from platform_core.notifications import Kind, kind_list, notify
from platform_core.notifications.kinds import Audience
from platform_core.notifications.services import (
    DELIVERY_SEND_TASK,
    backoff_seconds,
    delivery_send,
    delivery_sweep,
)
from platform_core.tests.factories import DeliveryFactory, UserFactory
from platform_core.tests.notify_standin import API_KEY, NotifyStandIn
from providers.tests.factories import ProviderMemberFactory
from residents.models import ContactPreference
from residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

PHONE = "+447700900321"
TEMPLATE_SMS = "11111111-2222-4333-8444-555555555555"
TEMPLATE_EMAIL = "66666666-7777-4888-9999-aaaaaaaaaaaa"


def texts(settings) -> list[str]:
    folder = Path(settings.NOTIFICATIONS_FILE_PATH)
    return [p.read_text("utf-8") for p in sorted(folder.glob("*-sms-*.txt"))]


def resident_choosing(preference: str, *, council=None, phone: str = PHONE):
    kwargs = {"council": council} if council is not None else {}
    return ResidentFactory(contact_preference=preference, phone=phone, **kwargs)


def accept(match, tasks_inline, django_capture_on_commit_callbacks):
    member = match.offer.provider.members.first() or ProviderMemberFactory(provider=match.offer.provider)
    with django_capture_on_commit_callbacks(execute=True):
        match_accept(match=match, user=member.user)


@pytest.fixture
def notify_standin(settings):
    standin = NotifyStandIn().start()
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = standin.base_url
    settings.NOTIFY_SMS_TEMPLATE_ID = TEMPLATE_SMS
    settings.NOTIFY_EMAIL_TEMPLATE_ID = ""
    settings.NOTIFY_TIMEOUT_SECONDS = 5
    settings.NOTIFICATIONS_SMS_BACKEND = "platform_core.notifications.backends.NotifyBackend"
    yield standin
    standin.stop()


# --- preferences ------------------------------------------------------------------------


def test_a_resident_who_chose_text_gets_a_text_and_no_email_for_a_proposal(
    settings, tasks_inline, django_capture_on_commit_callbacks
):
    resident = resident_choosing(ContactPreference.TEXT)
    match = MatchFactory(need__resident=resident, offer__provider__name="Kingston Helpers")
    accept(match, tasks_inline, django_capture_on_commit_callbacks)

    [text] = texts(settings)
    assert f"To: {PHONE}" in text
    assert "Kingston Helpers can help with your request" in text
    assert mail.outbox == []
    assert Notification.objects.get(user=resident.user, kind=MATCH_ACCEPTED.code)
    assert list(Delivery.objects.values_list("channel", "status")) == [("sms", "sent")]


def test_a_resident_who_chose_email_gets_an_email_and_no_text(
    settings, tasks_inline, django_capture_on_commit_callbacks
):
    resident = resident_choosing(ContactPreference.EMAIL)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert texts(settings) == []
    [email] = mail.outbox
    assert email.to == [resident.user.email]
    assert "can help with your request" in email.body


def test_a_resident_who_chose_both_gets_both(settings, tasks_inline, django_capture_on_commit_callbacks):
    resident = resident_choosing(ContactPreference.BOTH)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert len(texts(settings)) == 1 and len(mail.outbox) == 1


def test_a_resident_who_chose_a_letter_is_listed_for_officers_and_sent_nothing(
    settings, tasks_inline, django_capture_on_commit_callbacks
):
    resident = resident_choosing(ContactPreference.LETTER)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert texts(settings) == [] and mail.outbox == []
    assert list(Delivery.objects.values_list("channel", "status")) == [("letter", "to_post")]
    assert DELIVERY_SEND_TASK not in tasks_inline


def test_a_resident_who_asked_for_phone_calls_gets_notices_by_email(
    settings, tasks_inline, django_capture_on_commit_callbacks
):
    resident = resident_choosing(ContactPreference.PHONE, phone="+442079460000")
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert texts(settings) == [] and len(mail.outbox) == 1


def test_a_text_without_a_mobile_number_goes_by_email(settings, tasks_inline, django_capture_on_commit_callbacks):
    # A landline kept from before texts were checked for mobiles: never texted, e-mailed instead.
    resident = resident_choosing(ContactPreference.TEXT, phone="+442079460000")
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert texts(settings) == [] and len(mail.outbox) == 1


def test_a_provider_member_who_chose_text_gets_proposals_by_text(
    settings, tasks_inline, django_capture_on_commit_callbacks
):
    match = MatchFactory()
    member = ProviderMemberFactory(
        provider=match.offer.provider, user__phone="+447700900555", user__notify_by=NotifyBy.TEXT
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=MATCH_PROPOSED, user=member.user, url="/matches/1/", match=match)
    [text] = texts(settings)
    assert "To: +447700900555" in text and "New request:" in text
    assert mail.outbox == []


def test_an_erased_or_inactive_account_gets_nothing_beyond_the_in_app_notice(django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(kind=MATCH_PROPOSED, user=user, match=MatchFactory())
    assert notification.pk and not Delivery.objects.exists()


def test_only_registered_kinds_can_be_sent():
    stray = Kind("stray.kind", Audience.RESIDENT, "Hello")
    with pytest.raises(ValueError, match="not registered"):
        notify(kind=stray, user=UserFactory())


def test_every_app_registers_its_kinds():
    codes = {kind.code.split(".")[0] for kind in kind_list()}
    assert {"match", "visit", "provider", "moderation", "safeguarding"} <= codes


def test_the_message_is_rendered_in_the_recipients_language_and_kept(tasks_inline, django_capture_on_commit_callbacks):
    resident = resident_choosing(ContactPreference.EMAIL)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    notification = Notification.objects.get(user=resident.user)
    assert notification.language == "en-gb"
    assert mail.outbox[0].subject.startswith("Convene: ")


# --- idempotence and the sweep ---------------------------------------------------------------


def test_a_delivery_task_run_twice_sends_once(settings):
    delivery = DeliveryFactory(to=PHONE)
    assert delivery_send(delivery_id=delivery.pk) is None
    assert delivery_send(delivery_id=delivery.pk) is None
    assert len(texts(settings)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.to) == ("sent", 1, "")


def test_the_sweep_republishes_lost_deliveries_and_frees_dead_senders(tasks_inline, settings):
    old = timezone.now() - timedelta(hours=1)
    lost = DeliveryFactory(to=PHONE, next_attempt_at=old)
    stuck = DeliveryFactory(to=PHONE, status=Delivery.Status.SENDING, claimed_at=old)
    fresh = DeliveryFactory(to=PHONE)  # its own task is still on the way
    assert delivery_sweep() == 2
    assert Delivery.objects.get(pk=lost.pk).status == "sent"
    assert Delivery.objects.get(pk=stuck.pk).status == "sent"
    assert Delivery.objects.get(pk=fresh.pk).status == "pending"


def test_backoff_doubles_and_is_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 600
    assert [backoff_seconds(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


# --- GOV.UK Notify: the real client against the stand-in ------------------------------------


def test_notify_receives_correctly_signed_requests(notify_standin, tasks_inline, django_capture_on_commit_callbacks):
    resident = resident_choosing(ContactPreference.TEXT)
    match = MatchFactory(need__resident=resident, offer__provider__name="Kingston Helpers")
    accept(match, tasks_inline, django_capture_on_commit_callbacks)

    assert notify_standin.rejected == []
    [seen] = notify_standin.requests
    delivery = Delivery.objects.get()
    assert seen.path == "/v2/notifications/sms" and seen.status == 201
    assert seen.claims["iss"] == notify_standin.service_id
    assert seen.body["phone_number"] == PHONE
    assert seen.body["template_id"] == TEMPLATE_SMS
    assert seen.body["reference"] == f"convene-sms-{delivery.pk}"
    assert "Kingston Helpers can help with your request" in seen.body["personalisation"]["body"]
    assert delivery.status == "sent" and len(delivery.provider_reference) == 36


def test_a_5xx_from_notify_is_retried_and_then_succeeds(
    notify_standin, tasks_inline, django_capture_on_commit_callbacks
):
    notify_standin.fail_next(500, [{"error": "Exception", "message": "Internal server error"}])
    resident = resident_choosing(ContactPreference.TEXT)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)

    assert [r.status for r in notify_standin.requests] == [500, 201]
    assert tasks_inline.count(DELIVERY_SEND_TASK) == 2  # the task retried itself
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert mail.outbox == []


def test_a_400_from_notify_is_recorded_as_undeliverable_and_falls_back_to_email(
    notify_standin, tasks_inline, django_capture_on_commit_callbacks
):
    notify_standin.fail_next(400, [{"error": "ValidationError", "message": "phone_number Not a UK mobile number"}])
    resident = resident_choosing(ContactPreference.TEXT)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)

    assert [r.status for r in notify_standin.requests] == [400]
    failed = Delivery.objects.get(channel=Delivery.Channel.SMS)
    assert failed.status == "failed" and failed.to == PHONE and failed.attempts == 1
    assert "400" in failed.error and "Not a UK mobile number" in failed.error
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert email.status == "sent" and email.fallback_of == failed
    [message] = mail.outbox
    assert message.to == [resident.user.email] and "can help with your request" in message.body


def test_a_person_already_getting_both_gets_no_second_email_when_the_text_fails(
    notify_standin, tasks_inline, django_capture_on_commit_callbacks
):
    notify_standin.fail_next(400)
    resident = resident_choosing(ContactPreference.BOTH)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(channel="email").count() == 1


def test_email_through_notify_too_and_a_failed_email_falls_back_to_a_text(
    settings, notify_standin, tasks_inline, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_EMAIL
    settings.NOTIFICATIONS_EMAIL_BACKEND = "platform_core.notifications.backends.NotifyBackend"
    notify_standin.fail_next(400, [{"error": "ValidationError", "message": "email_address Not a valid email address"}])
    resident = resident_choosing(ContactPreference.EMAIL)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)

    email_request, sms_request = notify_standin.requests
    assert email_request.path == "/v2/notifications/email" and email_request.status == 400
    assert email_request.body["email_address"] == resident.user.email
    assert email_request.body["template_id"] == TEMPLATE_EMAIL
    assert email_request.body["personalisation"]["subject"].startswith("Convene: ")
    assert sms_request.path == "/v2/notifications/sms" and sms_request.status == 201
    assert sms_request.body["phone_number"] == PHONE
    assert Delivery.objects.get(channel="email").status == "failed"


def test_a_rejected_key_is_retried_not_blamed_on_the_person(notify_standin, settings):
    settings.NOTIFY_API_KEY = API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"  # the wrong secret
    delivery = DeliveryFactory(to=PHONE)
    wait = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert [r.status for r in notify_standin.requests] == [403]
    assert wait == settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    assert delivery.status == "pending" and "403" in delivery.error


def test_an_unreachable_notify_is_a_temporary_failure(settings, notify_standin):
    notify_standin.stop()  # nothing listens on its port any more
    delivery = DeliveryFactory(to=PHONE)
    wait = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert wait is not None and delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_retries_stop_after_the_limit_and_the_other_channel_is_tried(
    settings, notify_standin, tasks_inline, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    for _ in range(3):
        notify_standin.fail_next(503)
    resident = resident_choosing(ContactPreference.TEXT)
    accept(MatchFactory(need__resident=resident), tasks_inline, django_capture_on_commit_callbacks)
    failed = Delivery.objects.get(channel="sms")
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "Gave up after 3 tries" in failed.error
    assert len(mail.outbox) == 1

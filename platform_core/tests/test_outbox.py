"""Every e-mail leaves from a task: allauth's through the outbox, sent once,
and a lost task only delays a mail (the beat's sweep sends it)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from platform_core.models import OutgoingEmail
from platform_core.services import email_queue, email_send, email_send_pending
from platform_core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_password_reset_mail_waits_in_the_outbox_until_the_request_commits(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert mail.outbox == []
    queued = OutgoingEmail.objects.get()
    assert queued.to == [user.email] and "/accounts/password/reset/key/" in queued.body
    assert len(callbacks) == 1


def test_a_queued_mail_is_sent_once_and_its_secret_link_is_not_kept(django_capture_on_commit_callbacks, tasks_inline):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(to=["a@example.org"], subject="Reset", body="Open /accounts/password/reset/key/secret/")
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    email.refresh_from_db()
    assert email.sent_at is not None and email.body == "" and email.to == []
    assert email_send(email_id=email.pk) is False  # a redelivery sends nothing
    assert len(mail.outbox) == 1


def test_a_mail_whose_task_was_lost_is_sent_by_the_sweep_a_minute_later():
    email_queue(to=["a@example.org"], subject="Confirm", body="Confirm your address")  # its task never runs
    assert email_send_pending() == 0  # too fresh: its task may still come
    assert email_send_pending(now=timezone.now() + timedelta(minutes=2)) == 1
    assert email_send_pending(now=timezone.now() + timedelta(minutes=3)) == 0
    assert len(mail.outbox) == 1


def test_a_mail_held_by_a_live_sender_is_not_sent_again_until_its_claim_runs_out():
    email = email_queue(to=["a@example.org"], subject="Confirm", body="Confirm your address")
    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert email_send(email_id=email.pk) is False
    assert email_send(email_id=email.pk, now=timezone.now() + timedelta(minutes=6)) is True

"""The one channel interface: every way a notification reaches a person.

- in-app: the Notification row itself, always written (the list at /notifications/);
- e-mail and text: a Delivery row per channel, sent by a Celery task through
  the configured backend (backends.py);
- letter: a Delivery row that waits in the officers' console for someone to
  post it (Convene prints nothing itself).

A channel knows its address in a person's route, whether a worker sends it,
and how to render and send one delivery in the recipient's language.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from platform_core.models import Delivery, Notification

from .backends import PermanentFailure, email_backend, sms_backend
from .contacts import ContactRoute


class NotificationChannel(Protocol):
    name: str
    sent_by_worker: bool

    def address(self, route: ContactRoute) -> str: ...

    def send(self, *, delivery: Delivery) -> str:
        """Send one delivery; return the transport's reference. Raises
        backends.TemporaryFailure or backends.PermanentFailure."""
        ...


def _context(notification: Notification) -> dict:
    url = f"{settings.SITE_URL}{notification.url}" if notification.url else settings.SITE_URL
    return {"message": notification.message, "url": url, "site_url": settings.SITE_URL}


def render_email(notification: Notification) -> tuple[str, str]:
    """(subject, body), in the language the notification was written in."""
    with translation.override(notification.language or settings.LANGUAGE_CODE):
        context = _context(notification)
        subject = render_to_string("notifications/email_subject.txt", context).strip()
        body = render_to_string("notifications/email_body.txt", context).strip()
    return " ".join(subject.split())[:150], body


def render_sms(notification: Notification) -> str:
    with translation.override(notification.language or settings.LANGUAGE_CODE):
        return render_to_string("notifications/sms.txt", _context(notification)).strip()


def reference_for(delivery: Delivery) -> str:
    """What we tell the transport: our row's id, nothing personal."""
    return f"convene-{delivery.channel}-{delivery.pk}"


class EmailChannel:
    name = Delivery.Channel.EMAIL
    sent_by_worker = True

    def address(self, route: ContactRoute) -> str:
        return route.email

    def send(self, *, delivery: Delivery) -> str:
        if not delivery.to:
            raise PermanentFailure("No e-mail address")
        subject, body = render_email(delivery.notification)
        return email_backend().send_email(to=delivery.to, subject=subject, body=body, reference=reference_for(delivery))


class SmsChannel:
    name = Delivery.Channel.SMS
    sent_by_worker = True

    def address(self, route: ContactRoute) -> str:
        return route.phone

    def send(self, *, delivery: Delivery) -> str:
        if not delivery.to:
            raise PermanentFailure("No mobile number")
        body = render_sms(delivery.notification)
        return sms_backend().send_sms(to=delivery.to, body=body, reference=reference_for(delivery))


class LetterChannel:
    """Listed for officers to post (marketplace's "Letters and failed contacts" page)."""

    name = Delivery.Channel.LETTER
    sent_by_worker = False

    def address(self, route: ContactRoute) -> str:
        return ""  # the postal address stays on the resident's profile

    def send(self, *, delivery: Delivery) -> str:  # pragma: no cover - never called: not sent by a worker
        raise PermanentFailure("Letters are posted by the council")


CHANNELS: dict[str, NotificationChannel] = {
    Delivery.Channel.EMAIL: EmailChannel(),
    Delivery.Channel.SMS: SmsChannel(),
    Delivery.Channel.LETTER: LetterChannel(),
}

# When a channel fails for good, the person's other channel is tried.
FALLBACK: dict[str, str] = {Delivery.Channel.SMS: Delivery.Channel.EMAIL, Delivery.Channel.EMAIL: Delivery.Channel.SMS}

"""Transports: how a rendered e-mail or text leaves Convene.

Settings pick them (`NOTIFICATIONS_SMS_BACKEND`, `NOTIFICATIONS_EMAIL_BACKEND`):
locally and in tests the file backend writes each message to a file under
`NOTIFICATIONS_FILE_PATH` (var/notifications), as Django's file e-mail backend
does; with a GOV.UK Notify key configured, texts (and e-mails, when an e-mail
template id is set) go through the official `notifications-python-client`.

Every backend raises `TemporaryFailure` for what may work later (a 5xx, a
timeout, a refused connection, Notify's rate limit) and `PermanentFailure`
for what never will (a 400: not a phone number, not an e-mail address).
"""

from __future__ import annotations

import smtplib
import threading
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class TemporaryFailure(DeliveryError):
    """Try again later (with backoff)."""


class PermanentFailure(DeliveryError):
    """Never going to work for this address: record it and try the person's other channel."""


class SmsBackend(Protocol):
    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        """Send one text to an E.164 number; return the transport's id for it."""
        ...


class EmailBackend(Protocol):
    def send_email(self, *, to: str, subject: str, body: str, reference: str) -> str:
        """Send one e-mail; return the transport's id for it."""
        ...


class FileBackend:
    """Development and tests: one file per message, nothing leaves the machine."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.NOTIFICATIONS_FILE_PATH)

    def _write(self, *, channel: str, to: str, reference: str, lines: list[str]) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{channel}-{reference}-{uuid.uuid4().hex[:8]}.txt"
        (self.path / name).write_text("\n".join([f"To: {to}", f"Reference: {reference}", *lines, ""]), "utf-8")
        return name

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        return self._write(channel="sms", to=to, reference=reference, lines=["", body])

    def send_email(self, *, to: str, subject: str, body: str, reference: str) -> str:
        return self._write(channel="email", to=to, reference=reference, lines=[f"Subject: {subject}", "", body])


class DjangoMailBackend:
    """E-mail through Django's EMAIL_BACKEND (SMTP in production, console locally)."""

    def send_email(self, *, to: str, subject: str, body: str, reference: str) -> str:
        message = EmailMessage(subject=subject, body=body, to=[to], headers={"X-Convene-Reference": reference})
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"The mail server refused the address: {exc.recipients}"[:300]) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"Mail server: {exc}"[:300]) from exc
        return reference


# Notify answers 4xx for requests that will never succeed, except these:
# 429 is its rate limit; 401/403 mean our key is wrong or revoked, a fault of
# configuration that must not mark every person as unreachable.
NOTIFY_RETRYABLE_4XX = frozenset({401, 403, 408, 429})


class NotifyBackend:
    """GOV.UK Notify, through its official client. One template per channel
    whose whole content is ((body)) (and ((subject)) for e-mail): Convene
    renders and translates the words itself (docs/council-setup.md)."""

    _local = threading.local()

    def __init__(self) -> None:
        self.api_key = settings.NOTIFY_API_KEY
        self.base_url = settings.NOTIFY_BASE_URL
        self.timeout = settings.NOTIFY_TIMEOUT_SECONDS

    def _client(self):
        from notifications_python_client.notifications import NotificationsAPIClient

        # The client keeps a requests.Session and is not thread-safe: one per thread.
        key = (self.api_key, self.base_url, self.timeout)
        client = getattr(self._local, "client", None)
        if client is None or getattr(self._local, "key", None) != key:
            client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
            self._local.client, self._local.key = client, key
        return client

    def _call(self, send, **kwargs) -> str:
        from notifications_python_client.errors import APIError

        try:
            response = send(**kwargs)
        except APIError as exc:
            code = exc.status_code
            detail = f"GOV.UK Notify {code}: {exc.message}"[:300]
            if code >= 500 or code in NOTIFY_RETRYABLE_4XX:
                raise TemporaryFailure(detail, status_code=code) from exc
            raise PermanentFailure(detail, status_code=code) from exc
        return str((response or {}).get("id", ""))

    def send_sms(self, *, to: str, body: str, reference: str) -> str:
        if not settings.NOTIFY_SMS_TEMPLATE_ID:
            raise TemporaryFailure("NOTIFY_SMS_TEMPLATE_ID is not set")
        client = self._client()
        return self._call(
            client.send_sms_notification,
            phone_number=to,
            template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
            personalisation={"body": body},
            reference=reference,
        )

    def send_email(self, *, to: str, subject: str, body: str, reference: str) -> str:
        if not settings.NOTIFY_EMAIL_TEMPLATE_ID:
            raise TemporaryFailure("NOTIFY_EMAIL_TEMPLATE_ID is not set")
        client = self._client()
        return self._call(
            client.send_email_notification,
            email_address=to,
            template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
            personalisation={"subject": subject, "body": body},
            reference=reference,
        )


def sms_backend() -> SmsBackend:
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()


def email_backend() -> EmailBackend:
    return import_string(settings.NOTIFICATIONS_EMAIL_BACKEND)()

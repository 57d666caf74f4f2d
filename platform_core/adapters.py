"""allauth, adapted: its e-mails leave from a task like every other e-mail.

allauth renders an address confirmation or a password reset inside the
request; the message goes to the outbox (`platform_core.services.email_queue`)
instead of to the mail server, and `platform_core.tasks.email_send_task` sends
it after commit (ADR 0009).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from .services import email_queue


class _QueuedMessage:
    """Stands in for allauth's rendered message: sending it puts it in the outbox."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def send(self, fail_silently: bool = False) -> int:
        html = next(
            (content for content, mimetype in getattr(self.message, "alternatives", []) if mimetype == "text/html"), ""
        )
        body = self.message.body
        if getattr(self.message, "content_subtype", "plain") == "html":
            body, html = "", body
        email_queue(
            to=list(self.message.to),
            subject=self.message.subject,
            body=body,
            html_body=html,
            from_email=self.message.from_email or "",
        )
        return 1


class AccountAdapter(DefaultAccountAdapter):
    def render_mail(self, template_prefix: str, email: Any, context: dict, headers: Any = None) -> Any:
        return _QueuedMessage(super().render_mail(template_prefix, email, context, headers))

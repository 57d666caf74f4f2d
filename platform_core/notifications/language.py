"""The language a person's notifications are written in.

THE one place that decides it: every message (in-app, e-mail, text) is
rendered inside `translation.override(recipient_language(user))`. Today
nobody records a language for the interface, so it is the site's language.
When a language is kept on the person (issue 10, item 4), return it here.
"""

from __future__ import annotations

from django.conf import settings

from platform_core.models import User


def recipient_language(user: User) -> str:
    return settings.LANGUAGE_CODE

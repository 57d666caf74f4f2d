"""The language a person's notifications are written in.

THE one place that decides it: every message (in-app, e-mail, text) is
rendered inside `translation.override(recipient_language(user))`: the
language the person chose (switcher, profile, sign-up), if their council
offers it, else English (the rule lives in platform_core/i18n.py).
"""

from __future__ import annotations

from platform_core.i18n import user_language
from platform_core.models import User


def recipient_language(user: User) -> str:
    return user_language(user)

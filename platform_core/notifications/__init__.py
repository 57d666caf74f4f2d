"""Notifications: one registry of kinds, one channel interface, one way to send.

    from platform_core.notifications import notify
    from matching.notifications import MATCH_ACCEPTED
    notify(kind=MATCH_ACCEPTED, user=resident_user, url=..., match=match)

- kinds.py: the registry (`Kind`, `register`, `kind_list`, `Audience`);
- contacts.py: where a person's notices go (`ContactRoute`, resolvers per audience);
- channels.py: in-app, e-mail, text, letter behind one interface;
- backends.py: file (development), Django mail, GOV.UK Notify;
- services.py: `notify`, `delivery_send` (the task's body), `delivery_fail`, `delivery_sweep`;
- language.py: `recipient_language`, the one place that picks a person's language.
"""

from .kinds import Audience, Kind, kind_get, kind_list, register
from .services import notify, notify_each

__all__ = ["Audience", "Kind", "kind_get", "kind_list", "notify", "notify_each", "register"]

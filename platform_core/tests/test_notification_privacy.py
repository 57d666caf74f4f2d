"""No e-mail or text carries an address or a contact detail: checked over EVERY
kind in the registry (platform_core.notifications.kind_list), not a list
kept by hand. A new kind is covered the day it is registered; a kind that
needs an object this world does not have fails here until one is added.

The resident's address lines, postcode, phone, e-mail and notes are known
strings, written into the need's own title and description too (a kind that
quoted what the resident typed would leak them). Each kind is sent through
`notify` to a recipient of its audience who chose e-mail AND text, and every
word that leaves (in-app message, e-mail subject and body, text) is searched.
The words are the same before and after confirmation: the world's match is
confirmed, the state in which most is known.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail

from matching.tests.factories import ArrangementFactory, MatchFactory, VisitFactory
from platform_core.models import Notification, NotifyBy
from platform_core.notifications import kind_list, notify
from platform_core.notifications.kinds import Audience
from platform_core.tests.factories import OfficerFactory
from providers.models import VerificationEvidence
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import ContactPreference
from residents.tests.factories import NeedFactory, ReferrerFactory, ResidentFactory

pytestmark = pytest.mark.django_db

ADDRESS_1 = "17 Marigold Crescent"
ADDRESS_2 = "Flat 4B Juniper House"
TOWN = "Tolworth Mews"
POSTCODE = "KT6 6HL"
NEED_POSTCODE = "KT1 2PT"
PHONE = "+447700900777"
EMAIL = "marigold.resident@example.org"
NOTES = "Key safe code 4471"
ACCESS = "Uses a rollator"
PROVIDER_EMAIL = "office@juniper-helpers.example.org"
PROVIDER_PHONE = "+442079460123"

FORBIDDEN = [
    ADDRESS_1,
    ADDRESS_2,
    TOWN,
    POSTCODE,
    POSTCODE.replace(" ", ""),
    NEED_POSTCODE,
    NEED_POSTCODE.replace(" ", ""),
    PHONE,
    "07700 900777",
    "07700900777",
    "7700900777",
    EMAIL,
    NOTES,
    ACCESS,
    PROVIDER_EMAIL,
    PROVIDER_PHONE,
    "020 7946 0123",
    "02079460123",
]


@pytest.fixture
def world(council, kingston_postcodes):
    resident = ResidentFactory(
        council=council,
        user__email=EMAIL,
        address_line_1=ADDRESS_1,
        address_line_2=ADDRESS_2,
        town=TOWN,
        postcode=POSTCODE,
        phone=PHONE,
        contact_preference=ContactPreference.BOTH,
        vulnerability_notes=NOTES,
        accessibility_needs=ACCESS,
    )
    need = NeedFactory(
        resident=resident,
        title=f"Shopping to {ADDRESS_1}",
        description=f"Call me on {PHONE} or {EMAIL}; I live at {ADDRESS_1}, {ADDRESS_2}, {TOWN} {POSTCODE}.",
        accessibility=ACCESS,
        use_home_address=False,
        postcode=NEED_POSTCODE,
    )
    provider = ProviderFactory(council=council, name="Juniper Helpers", email=PROVIDER_EMAIL, phone=PROVIDER_PHONE)
    member = ProviderMemberFactory(provider=provider, user__phone="+447700900888", user__notify_by=NotifyBy.BOTH)
    offer = OfferFactory(provider=provider, title="Shopping and errands")
    match = MatchFactory(need=need, offer=offer, confirmed=True)
    evidence = EvidenceFactory(
        provider=provider,
        kind=VerificationEvidence.Kind.DBS,
        status=VerificationEvidence.Status.ACCEPTED,
        expires_on=date.today() + timedelta(days=20),
    )
    officer = OfficerFactory(council=council, phone="+447700900999", notify_by=NotifyBy.BOTH)
    arrangement = ArrangementFactory(
        match=match,
        paused_from=date.today() + timedelta(days=8),
        paused_until=date.today() + timedelta(days=15),
        ended_on=date.today() + timedelta(days=30),
    )
    objects = {
        "visit": VisitFactory(match=match),
        "arrangement": arrangement,
        "count": 3,
        "match": match,
        "need": need,
        "offer": offer,
        "evidence": evidence,
        "reason": "Please say which day suits you.",
        "starts_at": need.window_start,
        "ends_at": need.window_end,
        # Referrers (residents.notifications): a request to refer, a one-time code, a copy of a notice.
        "referrer": ReferrerFactory(
            council=council,
            decision_reason="We could not confirm your post.",
            user__phone="+447700900777",
            user__notify_by=NotifyBy.BOTH,
        ),
        "code": "ABCD-2345",
        "expires": "4 December 2026",
        "message": "Juniper Helpers can help with your request for Shopping. Please confirm.",
    }
    recipients = {
        Audience.RESIDENT: resident.user,
        Audience.PROVIDER: member.user,
        Audience.OFFICER: officer,
        Audience.REFERRER: objects["referrer"].user,
    }
    return objects, recipients


def _texts(settings) -> list[str]:
    """The body of every text written (the header names the recipient's own number)."""
    bodies = []
    for path in sorted(Path(settings.NOTIFICATIONS_FILE_PATH).glob("*-sms-*.txt")):
        bodies.append(path.read_text("utf-8").split("\n\n", 1)[1])
    return bodies


def test_the_registry_holds_every_kind_the_apps_send():
    assert len(kind_list()) >= 25
    assert all(kind.audience in Audience.values for kind in kind_list())


@pytest.mark.parametrize("kind", kind_list(), ids=lambda k: k.code)
def test_no_notification_carries_an_address_or_contact_details(
    kind, world, settings, tasks_inline, django_capture_on_commit_callbacks
):
    objects, recipients = world
    missing = [p for p in kind.params if p not in objects]
    assert not missing, f"{kind.code} needs {missing}: add them to this test's world"
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            kind=kind, user=recipients[kind.audience], url="/somewhere/", **{p: objects[p] for p in kind.params}
        )

    sent_texts = _texts(settings)
    assert len(sent_texts) == 1 and len(mail.outbox) == 1, "the recipient chose both: both channels are checked"
    email = mail.outbox[0]
    words = {
        "in-app": Notification.objects.get(pk=notification.pk).message,
        "text": sent_texts[0],
        "e-mail subject": email.subject,
        "e-mail body": email.body,
    }
    for where, text in words.items():
        for secret in FORBIDDEN:
            assert secret.lower() not in text.lower(), f"{kind.code}: the {where} contains {secret!r}: {text!r}"

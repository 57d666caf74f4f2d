"""Every read of a resident's or member's personal data by an officer or a
member of staff is audited: one AuditEvent naming the person, with a reason.

Generated, not listed: every console page and console API route comes from
the URL resolver, every admin page from the admin's registry (each model's
list and the change and history pages of its rows), every export from the
"export" links the pages themselves offer. The pages that show personal data
only to a stated reason (the resident search, a resident's record) are also
submitted with one. Each response is searched for every personal value of
every resident and member; where one appears, exactly one AuditEvent written
by that request must name that person's account and give a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.urls import reverse

from marketplace.models import SafeguardingConcern
from marketplace.tests.conftest import build_market
from matching.models import Message
from platform_core.disclosure import ACTION, NO_PURPOSE
from platform_core.models import AuditEvent, User
from platform_core.services import audit_record
from platform_core.tests.factories import DeliveryFactory, NotificationFactory, UserFactory
from platform_core.tests.resolver import routes_under
from platform_core.tests.two_factor import give_totp, sign_in_with_two_factor
from providers.tests.factories import ProviderMemberFactory
from residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

REASON = "Resident phoned about her shopping request"


@dataclass
class Person:
    user: User
    values: list[str]


def _resident(council, n: int, name: str, email: str, phone: str, street: str, notes: str):
    resident = ResidentFactory(
        council=council,
        user__full_name=name,
        user__email=email,
        preferred_name=name.split()[0] + "ie",
        address_line_1=street,
        address_line_2=f"Flat {n} Laurel Court",
        phone=phone,
        vulnerability_notes=notes,
        accessibility_needs=f"Needs large print letters, size {20 + n}",
    )
    values = [
        name,
        email,
        resident.preferred_name,
        phone,
        street,
        resident.address_line_2,
        notes,
        resident.accessibility_needs,
    ]
    return resident, Person(resident.user, values)


@pytest.fixture
def data(council, kingston_postcodes):
    """A market with residents (phones, addresses, vulnerability notes), members, concerns and their traces."""
    market = build_market(council)
    people = []
    resident, person = _resident(
        council,
        1,
        "Winifred Ashcombe",
        "winifred.ashcombe@example.org",
        "07700 900461",
        "14 Acacia Avenue",
        "Uses a wheelchair and is hard of hearing",
    )
    people.append(person)
    # The market's own resident (raiser of its concern) gets distinctive values too.
    market_resident = market.resident
    User.objects.filter(pk=market_resident.user_id).update(
        full_name="Bartholomew Quince", email="bartholomew.quince@example.org"
    )
    market_resident.user.refresh_from_db()
    market_resident.preferred_name = "Barty Quince"
    market_resident.address_line_1 = "7 Penrith Road"
    market_resident.phone = "07700 900872"
    market_resident.vulnerability_notes = "Lives alone after a stroke"
    market_resident.save()
    people.append(
        Person(
            market_resident.user,
            [
                "Bartholomew Quince",
                "bartholomew.quince@example.org",
                "Barty Quince",
                "07700 900872",
                "7 Penrith Road",
                "Lives alone after a stroke",
            ],
        )
    )
    member = market.member
    User.objects.filter(pk=member.pk).update(
        full_name="Perpetua Okonkwo-Hale", email="perpetua.member@example.org", phone="+447700900555"
    )
    member.refresh_from_db()
    people.append(Person(member, ["Perpetua Okonkwo-Hale", "perpetua.member@example.org", "+447700900555"]))
    colleague = ProviderMemberFactory(
        provider=market.provider, user__full_name="Cuthbert Ravensworth", user__email="cuthbert.member@example.org"
    ).user
    people.append(Person(colleague, ["Cuthbert Ravensworth", "cuthbert.member@example.org"]))

    market.evidence.submitted_by = member
    market.evidence.save(update_fields=["submitted_by"])
    member_concern = SafeguardingConcern.objects.create(
        council=council,
        match=market.match,
        raised_by=member,
        raised_as=SafeguardingConcern.RaisedAs.PROVIDER,
        description="The resident seemed frightened of someone at home.",
    )
    audit_record(actor=market_resident.user, action="concern.raised", obj=market.concern, council=council)
    audit_record(actor=member, action="concern.raised", obj=member_concern, council=council)
    NotificationFactory(user=resident.user, message="Your request was matched.")
    # A letter to post to one resident, a text that could not reach the other.
    DeliveryFactory(letter=True, notification=NotificationFactory(user=resident.user, message="Your helper said yes."))
    DeliveryFactory(failed=True, to="07700 900872", notification=NotificationFactory(user=market_resident.user))
    Message.objects.create(match=market.match, sender=market_resident.user, body="See you on Tuesday.")
    market.member_concern = member_concern
    market.other_resident = resident
    return market, people


# Which object each console URL argument names.
CONSOLE_OBJECTS = {
    "marketplace:evidence_detail": [{"pk": "evidence"}],
    "marketplace:moderation_detail": [{"target_type": "need", "pk": "need"}, {"target_type": "offer", "pk": "offer"}],
    "marketplace:blocked_word_delete": [{"pk": "word"}],
    "marketplace:concern_detail": [{"pk": "concern"}, {"pk": "member_concern"}],
    "marketplace:provider_detail": [{"pk": "provider"}],
    "marketplace:resident_detail": [{"pk": "resident"}, {"pk": "other_resident"}],
    "marketplace:resident_exclusion_add": [{"pk": "resident"}],
    "marketplace:resident_assist": [{"pk": "resident"}],
    "marketplace:referrer_detail": [{"pk": "referrer"}],
    "marketplace:need_propose": [{"pk": "need"}],
    "marketplace:category_edit": [{"pk": "category"}],
    "marketplace_api:console_concern_detail": [{"pk": "concern"}, {"pk": "member_concern"}],
    "marketplace_api:console_resident_exclusions": [{"pk": "resident"}],
    "marketplace_api:console_resident_assist": [{"pk": "resident"}],
}


def _console_urls(market) -> list[str]:
    urls = []
    for route in routes_under("/console/", "/api/v1/console/"):
        if not route.arguments:
            urls.append(route.url())
            continue
        assert route.name in CONSOLE_OBJECTS, f"{route.name}: tell this test which object {route.arguments} names"
        for spec in CONSOLE_OBJECTS[route.name]:
            values = {k: (v if k == "target_type" else getattr(market, v).pk) for k, v in spec.items()}
            urls.append(route.url(**values))
    return urls


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        for pk in model.objects.values_list("pk", flat=True)[:25]:
            urls += [reverse(f"{prefix}_change", args=[pk]), reverse(f"{prefix}_history", args=[pk])]
    return urls


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _exports(html: str) -> list[str]:
    return sorted({m.replace("&amp;", "&") for m in re.findall(r'href="([^"]*export=[^"]*)"', html)})


class Auditor:
    def __init__(self, people: list[Person]):
        self.people = people
        self.problems: list[str] = []
        self.seen: set[str] = set()  # which people's data some response showed

    def visit(self, client, method: str, url: str, data: dict | None = None) -> str:
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = getattr(client, method)(url, data or {})
        assert response.status_code < 500, (url, response.status_code)
        body = _body(response)
        written = AuditEvent.objects.filter(id__gt=before, action=ACTION)
        for person in self.people:
            shown = [v for v in person.values if v in body]
            if not shown:
                continue
            self.seen.add(person.user.email)
            events = [
                e for e in written if e.object_type == "platform_core.User" and e.object_id == str(person.user.pk)
            ]
            if len(events) != 1:
                self.problems.append(f"{method.upper()} {url}: shows {shown[0]!r} with {len(events)} audit events")
            elif not events[0].reason or events[0].reason.startswith(NO_PURPOSE):
                self.problems.append(f"{method.upper()} {url}: audit event for {shown[0]!r} has no reason")
        return body


def test_every_officer_and_admin_read_of_personal_data_is_audited_once_with_a_reason(client, data, officer):
    market, people = data
    auditor = Auditor(people)

    sign_in_with_two_factor(client, officer)
    for url in _console_urls(market):
        html = auditor.visit(client, "get", url)
        for export in _exports(html):
            auditor.visit(client, "get", export)
    # The pages that show personal data only to a stated reason.
    auditor.visit(client, "post", reverse("marketplace:resident_search"), {"q": "Ashcombe", "reason": REASON})
    auditor.visit(client, "post", reverse("marketplace:resident_search"), {"q": "Quince", "reason": REASON})
    auditor.visit(client, "post", reverse("marketplace:contact_problems"), {"reason": REASON})
    for resident in (market.resident, market.other_resident):
        auditor.visit(client, "post", reverse("marketplace:resident_detail", args=[resident.pk]), {"reason": REASON})
    auditor.visit(client, "get", reverse("account_data") + "?download=json")
    client.logout()

    staff = UserFactory(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    give_totp(staff)
    sign_in_with_two_factor(client, staff)
    for url in _admin_urls():
        auditor.visit(client, "get", url)

    assert auditor.problems == []
    # Not vacuous: the known doors did show each resident's and member's data (and were audited).
    assert auditor.seen == {p.user.email for p in people}


def test_the_reason_an_officer_gives_is_the_one_recorded(client, data, officer):
    market, _ = data
    sign_in_with_two_factor(client, officer)
    client.post(reverse("marketplace:resident_search"), {"q": "Ashcombe", "reason": REASON})
    event = AuditEvent.objects.get(action=ACTION, object_id=str(market.other_resident.user_id))
    assert event.reason == f"Resident search: {REASON}"
    assert event.actor == officer and event.council == officer.council
    assert "residents.Resident.preferred_name" in event.data["fields"]


def test_a_search_without_a_reason_shows_nobody(client, data, officer):
    sign_in_with_two_factor(client, officer)
    response = client.post(reverse("marketplace:resident_search"), {"q": "Ashcombe", "reason": ""})
    assert "Enter why you are searching" in response.content.decode()
    assert "Winif" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=ACTION).exists()
    assert "Winif" not in client.get(reverse("marketplace:resident_search"), {"q": "Ashcombe"}).content.decode()


def test_a_resident_reading_their_own_data_writes_no_audit_event(client, data):
    market, _ = data
    client.force_login(market.resident.user)
    assert "07700 900872" in client.get(reverse("residents:profile")).content.decode()
    assert not AuditEvent.objects.filter(action=ACTION).exists()

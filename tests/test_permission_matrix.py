"""The permission matrix for every resident, provider, match and referrer page and endpoint.

Every URL in these namespaces is tried as anonymous, as its owner, as another
resident, as an unrelated provider and as an officer of another council; a
referrer's URLs also as another approved referrer and as an officer of the same
council who is not assisting that resident (ADR 0021: 404 for both). The
list of URLs comes from the resolver, so a new URL without a row in MATRIX
fails `test_every_url_has_a_row_in_the_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLResolver, get_resolver, reverse

from matching.models import Exclusion
from matching.tests.factories import ArrangementFactory, MatchFactory, VisitFactory
from platform_core.models import User
from platform_core.tests.factories import (
    OfficerFactory,
    ServiceCategoryFactory,
    UserFactory,
    kingston,
    kingston_postcodes,
    sutton,
)
from platform_core.tests.two_factor import sign_in_with_two_factor
from providers.models import ProviderMember
from providers.tests.factories import (
    EvidenceFactory,
    OfferFactory,
    ProviderFactory,
    ProviderInvitationFactory,
    ProviderMemberFactory,
)
from residents.tests.factories import (
    ConsentRecordFactory,
    NeedFactory,
    ReferralFactory,
    ReferrerFactory,
    ResidentFactory,
)

NAMESPACES = [
    "residents",
    "providers",
    "matching",
    "referrals",
    "residents_api",
    "providers_api",
    "matching_api",
    "referrals_api",
]
MARKER = "Zqxj"  # in every owned object's name: must never show on another person's page

ACTORS = ["anonymous", "owner", "other_resident", "other_provider", "foreign_officer"]
# A referrer's URLs: also another referrer of the council, and an officer of the council
# with no assisted access for the person (the phone line must start one, with a reason).
REFERRAL_ACTORS = [*ACTORS, "other_referrer", "council_officer"]
OFFICERS = ("foreign_officer", "council_officer")


@dataclass(frozen=True)
class Row:
    owner: str  # which fixture actor owns the object: "resident", "provider" or "both" (a match's parties)
    kwargs: str = ""  # which object fills the URL: "need", "provider", "offer", "member", "invitation", "match"
    method: str = "get"


MATRIX: dict[str, Row] = {
    # Residents' pages
    "residents:dashboard": Row("resident"),
    "residents:profile": Row("resident"),
    "residents:need_new": Row("resident"),
    "residents:need_new_for": Row("resident", "resident"),
    "residents:need_detail": Row("resident", "need"),
    "residents:need_category": Row("resident", "draft"),
    "residents:need_what": Row("resident", "draft"),
    "residents:need_when": Row("resident", "draft"),
    "residents:need_times": Row("resident", "draft"),
    "residents:need_repeat": Row("resident", "draft"),
    "residents:need_where": Row("resident", "draft"),
    "residents:need_preferences": Row("resident", "draft"),
    "residents:need_check": Row("resident", "draft"),
    "residents:need_confirmation": Row("resident", "need"),
    "residents:need_cancel": Row("resident", "need"),
    # Residents' API
    "residents_api:need_list": Row("resident"),
    "residents_api:need_detail": Row("resident", "need"),
    "residents_api:need_post": Row("resident", "draft", "post"),
    "residents_api:need_cancel": Row("resident", "need", "post"),
    "residents_api:resident_me": Row("resident"),
    # Providers' pages
    "providers:dashboard": Row("provider"),
    "providers:register": Row("provider"),
    "providers:invitation_accept": Row("invitee", "invitation"),
    "providers:provider_detail": Row("provider", "provider"),
    "providers:provider_edit": Row("provider", "provider"),
    "providers:verification": Row("provider", "provider"),
    "providers:evidence_submit": Row("provider", "evidence_kind"),
    "providers:members": Row("provider", "provider"),
    "providers:member_remove": Row("provider", "member", "post"),
    "providers:member_evidence": Row("provider", "member"),
    "providers:member_evidence_submit": Row("provider", "member_kind"),
    "providers:offer_create": Row("provider", "provider"),
    "providers:offer_detail": Row("provider", "offer"),
    "providers:offer_edit": Row("provider", "offer"),
    "providers:offer_pause": Row("provider", "offer", "post"),
    "providers:offer_resume": Row("provider", "offer", "post"),
    "providers:offer_close": Row("provider", "offer", "post"),
    # Providers' API
    "providers_api:provider_list": Row("provider"),
    "providers_api:provider_detail": Row("provider", "provider"),
    "providers_api:member_list": Row("provider", "provider"),
    "providers_api:member_delete": Row("provider", "member", "delete"),
    "providers_api:evidence_list": Row("provider", "provider"),
    "providers_api:offer_list": Row("provider"),
    "providers_api:offer_detail": Row("provider", "offer"),
    "providers_api:offer_pause": Row("provider", "offer", "post"),
    "providers_api:offer_resume": Row("provider", "offer", "post"),
    "providers_api:offer_close": Row("provider", "offer", "post"),
    # Matches (pages and API): both parties own the match
    "matching:dashboard": Row("both"),
    "matching:detail": Row("both", "match"),
    "matching:accept": Row("provider", "match", "post"),
    "matching:decline": Row("provider", "match", "post"),
    "matching:confirm": Row("resident", "match", "post"),
    "matching:cancel": Row("resident", "match", "post"),
    "matching:done": Row("provider", "match", "post"),
    "matching:complete": Row("resident", "match", "post"),
    "matching:message": Row("resident", "match", "post"),
    "matching:review": Row("resident", "match", "post"),
    # Ongoing help: an arrangement's pages belong to both parties, a visit's record to the provider,
    # a dispute to the resident (ADR 0018).
    "matching:visits": Row("both", "arrangement"),
    "matching:visits_pause": Row("both", "arrangement", "post"),
    "matching:visits_end": Row("both", "arrangement", "post"),
    "matching:visit_record": Row("provider", "visit", "post"),
    "matching:visit_dispute": Row("resident", "visit", "post"),
    "matching:provider_visits": Row("provider"),
    "matching:visits_export": Row("provider"),
    "matching:hours_export": Row("provider"),
    "matching:exclude": Row("resident", "match"),
    "matching:exclusions": Row("resident"),
    "matching:exclusion_remove": Row("resident", "exclusion", "post"),
    "matching_api:list": Row("both"),
    "matching_api:detail": Row("both", "match"),
    "matching_api:accept": Row("provider", "match", "post"),
    "matching_api:decline": Row("provider", "match", "post"),
    "matching_api:confirm": Row("resident", "match", "post"),
    "matching_api:cancel": Row("resident", "match", "post"),
    "matching_api:done": Row("provider", "match", "post"),
    "matching_api:complete": Row("resident", "match", "post"),
    "matching_api:messages": Row("both", "match"),
    "matching_api:review": Row("resident", "match", "post"),
    "matching_api:visits": Row("both", "arrangement"),
    "matching_api:visits_pause": Row("both", "arrangement", "post"),
    "matching_api:visits_end": Row("both", "arrangement", "post"),
    "matching_api:visit_record": Row("provider", "visit", "post"),
    "matching_api:visit_dispute": Row("resident", "visit", "post"),
    # Referrers' pages and API (ADR 0021): the people they referred are theirs alone.
    "referrals:dashboard": Row("referrer"),
    "referrals:apply": Row("referrer"),
    "referrals:resident_new": Row("referrer"),
    "referrals:resident_detail": Row("referrer", "referred"),
    "referrals:claim_code": Row("referrer", "referred"),
    "referrals:resident_data": Row("referrer", "referred"),
    "referrals:resident_erase": Row("referrer", "referred"),
    "referrals_api:referrer_list": Row("referrer"),
    "referrals_api:resident_list": Row("referrer"),
    "referrals_api:resident_detail": Row("referrer", "referred_id"),
    "referrals_api:claim_code": Row("referrer", "referred_id", "post"),
    "matching_api:exclusions": Row("resident"),
    "matching_api:exclusion_detail": Row("resident", "exclusion"),
}


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif namespace in NAMESPACES and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_has_a_row_in_the_matrix():
    missing = sorted(_url_names() - set(MATRIX))
    assert not missing, f"Add these URLs to the permission matrix: {missing}"


def test_the_matrix_has_no_rows_for_urls_that_are_gone():
    assert not sorted(set(MATRIX) - _url_names())


@pytest.fixture(scope="module")
def world(module_db):
    """One resident and one provider who own things, and the people who must not see them:
    built once for the module's 400 cases (each case's writes are rolled back after it)."""
    council, other_council = kingston(), sutton()
    kingston_postcodes()
    category = ServiceCategoryFactory(council=council, name="Shopping")
    resident = ResidentFactory(council=council, user__full_name=f"Owner {MARKER}")
    need = NeedFactory(resident=resident, category=category, title=f"Need {MARKER}")
    draft = NeedFactory(resident=resident, category=category, title=f"Draft {MARKER}", status="draft", posted_at=None)
    provider = ProviderFactory(council=council, name=f"Provider {MARKER}")
    owner_member = ProviderMemberFactory(provider=provider, user__full_name=f"Member {MARKER}")
    colleague = ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER)
    EvidenceFactory(provider=provider)
    offer = OfferFactory(provider=provider, title=f"Offer {MARKER}", categories=[category])
    invitee = UserFactory(role=User.Role.PROVIDER)
    invitation = ProviderInvitationFactory(provider=provider, email=invitee.email)
    matched_need = NeedFactory(resident=resident, category=category, title=f"Matched {MARKER}", status="proposed")
    match = MatchFactory(need=matched_need, offer=offer, explanation=f"Close by {MARKER}")
    weekly_need = NeedFactory(resident=resident, category=category, title=f"Weekly {MARKER}", weekly=True)
    weekly = MatchFactory(
        need=weekly_need, offer=OfferFactory(provider=provider, categories=[category]), confirmed=True
    )
    arrangement = ArrangementFactory(match=weekly)
    visit = VisitFactory(match=weekly, reason=f"Late {MARKER}")
    exclusion = Exclusion.objects.create(
        resident=resident, provider=ProviderFactory(council=council), source=Exclusion.Source.MATCH
    )
    other_resident = ResidentFactory(council=council).user
    other_provider = ProviderMemberFactory(provider=ProviderFactory(council=council)).user
    foreign_officer = OfficerFactory(council=other_council, two_factor=True)
    referrer = ReferrerFactory(council=council, user__full_name=f"Referrer {MARKER}", organisation=f"Surgery {MARKER}")
    referral = ReferralFactory(
        referrer=referrer, resident__user__full_name=f"Referred {MARKER}", resident__address_line_1=f"1 {MARKER} Road"
    )
    ConsentRecordFactory(resident=referral.resident, recorded_by=referrer.user)
    NeedFactory(resident=referral.resident, category=category, title=f"Referred need {MARKER}")
    other_referrer = ReferrerFactory(council=council, organisation="Another surgery").user
    council_officer = OfficerFactory(council=council, two_factor=True)
    return {
        "users": {
            "resident": resident.user,
            "provider": owner_member.user,
            "invitee": invitee,
            "other_resident": other_resident,
            "other_provider": other_provider,
            "foreign_officer": foreign_officer,
            "referrer": referrer.user,
            "other_referrer": other_referrer,
            "council_officer": council_officer,
        },
        "kwargs": {
            "need": {"reference": need.reference},
            "resident": {"pk": resident.pk},
            "draft": {"reference": draft.reference},
            "provider": {"pk": provider.pk},
            "evidence_kind": {"pk": provider.pk, "kind": "charity_number"},
            "member": {"pk": provider.pk, "member_pk": colleague.pk},
            "member_kind": {"pk": provider.pk, "member_pk": colleague.pk, "kind": "dbs"},
            "offer": {"pk": offer.pk},
            "invitation": {"token": invitation.token},
            "match": {"pk": match.pk},
            "arrangement": {"pk": arrangement.match_id},
            "visit": {"pk": visit.pk},
            "exclusion": {"pk": exclusion.pk},
            "referred": {"pk": referral.resident.pk},
            "referred_id": {"id": referral.resident.pk},
            "": {},
        },
    }


def _request(client, name: str, row: Row, world) -> tuple[int, str, str]:
    url = reverse(name, kwargs=world["kwargs"][row.kwargs])
    response = getattr(client, row.method)(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    body = content.decode(errors="replace") if response.status_code == 200 else ""
    return response.status_code, response.get("Location", ""), body


def _owners(row: Row) -> list[str]:
    return ["resident", "provider"] if row.owner == "both" else [row.owner]


def _actors(name: str) -> list[str]:
    return REFERRAL_ACTORS if name.startswith("referrals") else ACTORS


CASES = [(name, actor) for name in sorted(MATRIX) for actor in _actors(name)]


@pytest.mark.parametrize(("name", "actor"), CASES)
def test_permission_matrix(db, client, world, name, actor):
    row = MATRIX[name]
    is_api = name.split(":")[0].endswith("_api")
    owners = _owners(row)

    if actor == "anonymous":
        status, location, _ = _request(client, name, row, world)
        if is_api:
            assert status in (401, 403), f"{name}: anonymous got {status}"
        else:
            assert status == 302 and "/accounts/login/" in location, f"{name}: anonymous got {status} {location}"
        return

    if actor == "owner":
        for owner in owners:
            client.force_login(world["users"][owner])
            status, location, _ = _request(client, name, row, world)
            if row.method == "get":
                assert status == 200 or (status == 302 and "/accounts/login/" not in location), (
                    f"{name}: owner {owner} got {status} {location}"
                )
            else:
                # An action may be refused on its merits (400), never for want of permission.
                assert status in (200, 201, 204, 302, 400), f"{name}: owner {owner} got {status}"
        return

    if actor in OFFICERS:
        # As an officer works: with the second factor, which the match doors ask of
        # officers first (ADR 0021); without it they are refused before any object is looked up.
        sign_in_with_two_factor(client, world["users"][actor])
    else:
        client.force_login(world["users"][actor])
    status, location, body = _request(client, name, row, world)
    if row.kwargs:
        # Someone else's object is not found, whatever the method and whoever asks: a 403
        # would tell them it exists (ADR 0006, ADR 0009).
        assert status == 404, f"{name}: {actor} got {status}"
    else:
        # A page of one's own (a list, a form): it works or sends you somewhere
        # of your own, and never shows the owner's things.
        # (A provider member may ask for help too, issue 9: before they tell us where they
        # live, their own resident profile is not found.)
        own_profile_missing = name == "residents_api:resident_me" and status == 404
        assert status in (200, 302, 403) or own_profile_missing, f"{name}: {actor} got {status}"
        assert MARKER not in body, f"{name}: {actor} saw the owner's data"

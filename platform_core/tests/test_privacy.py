"""Your data: a person downloads everything held about them, or erases their account."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from matching.models import Match, Message
from matching.tests.factories import MatchFactory, MessageFactory, ReviewFactory
from platform_core.models import ApiToken, AuditEvent, Notification, SafeguardingTier, User
from platform_core.privacy import account_erase, personal_data_export
from platform_core.tests.factories import (
    PASSWORD,
    ApiTokenFactory,
    DeliveryFactory,
    NotificationFactory,
    ServiceCategoryFactory,
)
from providers.models import Offer, Provider, ProviderMember
from providers.tests.factories import OfferFactory, ProviderFactory, ProviderMemberFactory
from residents.models import Need
from residents.tests.factories import NeedFactory, ResidentFactory

ADDRESS = "12 Quillfeather Lane"
PHONE = "07700 900999"
NAME = "Ada Quillfeather"
EMAIL = "ada.quillfeather@example.org"
NOTES = "Hard of hearing; knock loudly at the blue door"
DESCRIPTION = "Collect my prescription from the Zanzibar Pharmacy"
MESSAGE = "The key is under the geranium pot"
REVIEW = "Marvellous Quillfeather-approved helper"


@pytest.fixture
def category(council):
    return ServiceCategoryFactory(
        council=council, name="Shopping", slug="shopping", safeguarding_tier=SafeguardingTier.OPEN
    )


@pytest.fixture
def resident(council):
    resident = ResidentFactory(
        council=council,
        user__email=EMAIL,
        user__full_name=NAME,
        preferred_name="Ada",
        address_line_1=ADDRESS,
        phone=PHONE,
        vulnerability_notes=NOTES,
        accessibility_needs="Wheelchair user",
    )
    return resident


@pytest.fixture
def user(resident) -> User:
    return resident.user


@pytest.fixture
def provider(council):
    return ProviderFactory(council=council, name="Kingston Helpers")


@pytest.fixture
def provider_user(provider):
    return ProviderMemberFactory(provider=provider, role=ProviderMember.Role.OWNER).user


@pytest.fixture
def offer(provider, category):
    return OfferFactory(provider=provider, categories=[category], capacity=2)


def _match(need: Need, offer: Offer, status: str) -> Match:
    return MatchFactory(need=need, offer=offer, **({} if status == Match.Status.PROPOSED else {status: True}))


@pytest.fixture
def confirmed(resident, offer, category, provider_user):
    """A confirmed match with a message each way."""
    need = NeedFactory(resident=resident, category=category, description=DESCRIPTION)
    match = _match(need, offer, Match.Status.CONFIRMED)
    MessageFactory(match=match, sender=resident.user, body=MESSAGE)
    MessageFactory(match=match, sender=provider_user, body="See you at ten by the geranium")
    return match


@pytest.fixture
def completed(resident, category, provider):
    need = NeedFactory(resident=resident, category=category, status=Need.Status.COMPLETED)
    other_offer = OfferFactory(provider=provider, categories=[category])
    match = _match(need, other_offer, Match.Status.PROPOSED)
    Match.objects.filter(pk=match.pk).update(status=Match.Status.COMPLETED, completed_at=timezone.now())
    Need.objects.filter(pk=need.pk).update(status=Need.Status.COMPLETED)
    ReviewFactory(match=match, rating=5, comment=REVIEW)
    return match


@pytest.fixture
def other_resident(council, category):
    other = ResidentFactory(council=council, address_line_1="99 Elsewhere Road")
    NeedFactory(resident=other, category=category, description="Someone else's request entirely")
    return other


def _all_text_in_database() -> str:
    """Every column of every row in the database, as one string."""
    chunks = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.values_list(*fields):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_holds_the_profile_needs_matches_and_messages_and_nothing_of_another_resident(
    user, confirmed, completed, other_resident
):
    data = personal_data_export(user=user)
    assert data["account"]["email"] == EMAIL
    assert data["account"]["full_name"] == NAME
    assert data["residents"]["profile"]["address_line_1"] == ADDRESS
    assert data["residents"]["profile"]["vulnerability_notes"] == NOTES
    assert DESCRIPTION in [n["description"] for n in data["residents"]["needs"]]
    assert {m["id"] for m in data["matching"]["matches"]} == {confirmed.pk, completed.pk}
    bodies = {(m["direction"], m["body"]) for m in data["matching"]["messages"]}
    assert bodies == {("sent", MESSAGE), ("received", "See you at ten by the geranium")}
    assert data["matching"]["reviews"][0]["comment"] == REVIEW
    text = json.dumps(data)
    assert "99 Elsewhere Road" not in text
    assert "Someone else's request entirely" not in text


@pytest.mark.django_db
def test_export_for_a_provider_member_holds_memberships_and_no_resident_address(provider_user, confirmed):
    data = personal_data_export(user=provider_user)
    assert data["providers"]["memberships"][0]["provider_name"] == "Kingston Helpers"
    assert data["providers"]["providers_owned"][0]["name"] == "Kingston Helpers"
    assert [m["role"] for m in data["matching"]["matches"]] == ["provider"]
    text = json.dumps(data)
    assert ADDRESS not in text
    assert NOTES not in text


@pytest.mark.django_db
def test_download_page_returns_a_dated_json_attachment(client, user, confirmed):
    client.force_login(user)
    page = client.get(reverse("account_data"))
    assert page.status_code == 200
    assert "Download your data" in page.content.decode()
    response = client.post(reverse("account_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    expected = f'attachment; filename="convene-data-{timezone.localdate():%Y-%m-%d}.json"'
    assert response["Content-Disposition"] == expected
    assert json.loads(response.content)["residents"]["profile"]["phone"] == PHONE


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("account_data", "account_erase"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert client.post(reverse("account_data")).status_code == 302


# --- erase ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erase_leaves_no_personal_string_of_the_resident_in_the_database(user, confirmed, completed):
    NotificationFactory(user=user, message=f"Hello {NAME}")
    DeliveryFactory(failed=True, to="+447700900246", notification=NotificationFactory(user=user))
    user.phone = "+447700900135"
    user.save(update_fields=["phone"])
    secrets = (
        ADDRESS,
        PHONE,
        "+447700900246",
        "+447700900135",
        EMAIL,
        NAME,
        NOTES,
        DESCRIPTION,
        MESSAGE,
        REVIEW,
        "Wheelchair user",
        "geranium",
    )
    before = _all_text_in_database()
    assert all(secret in before for secret in secrets)  # the dump does see them
    account_erase(user=user)
    after = _all_text_in_database()
    for secret in secrets:
        assert secret not in after, secret


@pytest.mark.django_db
def test_erase_keeps_need_and_match_rows_for_the_statistics(user, resident, confirmed, completed, category):
    draft = NeedFactory(resident=resident, category=category, status=Need.Status.DRAFT)
    needs, matches = Need.objects.count(), Match.objects.count()
    account_erase(user=user)
    assert Need.objects.count() == needs
    assert Match.objects.count() == matches
    draft.refresh_from_db()
    assert draft.status == Need.Status.CANCELLED
    assert draft.status_reason == "Account erased"
    assert draft.category == category
    assert draft.title == "" and draft.description == ""
    assert draft.postcode == "KT1"
    resident.refresh_from_db()
    assert resident.postcode == "KT1"
    assert resident.address_line_1 == "" and resident.phone == ""
    assert Message.objects.filter(match=confirmed).count() == 2


@pytest.mark.django_db
def test_erase_cancels_a_live_match_and_gives_the_provider_capacity_back(user, confirmed, offer, provider_user):
    offer.refresh_from_db()
    assert offer.capacity_left == 1
    account_erase(user=user)
    confirmed.refresh_from_db()
    offer.refresh_from_db()
    assert confirmed.status == Match.Status.CANCELLED
    assert confirmed.close_reason == "Account erased"
    assert confirmed.closed_by == Match.Party.RESIDENT
    assert offer.capacity_left == 2
    assert confirmed.need.status == Need.Status.CANCELLED
    notice = Notification.objects.get(user=provider_user)
    assert "withdrawn" in notice.message
    assert NAME not in notice.message and "Ada" not in notice.message


@pytest.mark.django_db
def test_erased_user_cannot_sign_in_and_loses_tokens_addresses_and_sessions(client, user):
    from allauth.account.models import EmailAddress

    ApiTokenFactory(user=user, name="Spreadsheet")
    client.force_login(user)
    account_erase(user=user)
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert not user.is_active and not user.has_usable_password()
    assert authenticate(email=EMAIL, password=PASSWORD) is None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get(reverse("account_data")).status_code == 302
    event = AuditEvent.objects.get(action="account.erased")
    assert event.object_id == str(user.pk)
    assert EMAIL not in json.dumps(event.data) + event.actor_email


@pytest.mark.django_db
def test_erase_page_signs_out_and_confirms(client, user):
    client.force_login(user)
    response = client.post(reverse("account_erase"), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_erased")
    assert "Your account has been deleted" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"password": PASSWORD}, "Confirm that you understand this cannot be undone"),
        ({"confirm": "on", "password": "wrong-password"}, "Your password is not right"),
        ({"confirm": "on"}, "Enter your password"),
    ],
)
def test_erase_page_mistakes_show_an_error_summary_and_erase_nothing(client, user, data, error):
    client.force_login(user)
    response = client.post(reverse("account_erase"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert error in page
    user.refresh_from_db()
    assert user.is_active and user.email == EMAIL


@pytest.mark.django_db
def test_an_officer_cannot_erase_their_own_account(officer_client, officer):
    response = officer_client.post(reverse("account_erase"), {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 403
    assert "administrator" in response.content.decode()
    officer.refresh_from_db()
    assert officer.is_active


# --- providers ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasing_the_last_owner_closes_the_organisation_and_puts_needs_back(provider_user, provider, confirmed, offer):
    account_erase(user=provider_user)
    assert not ProviderMember.objects.filter(user=provider_user).exists()
    assert set(Offer.objects.filter(provider=provider).values_list("status", flat=True)) == {Offer.Status.CLOSED}
    confirmed.refresh_from_db()
    assert confirmed.status == Match.Status.CANCELLED
    assert confirmed.closed_by == Match.Party.PROVIDER
    assert confirmed.need.status == Need.Status.OPEN
    offer.refresh_from_db()
    assert offer.capacity_left == 2
    notice = Notification.objects.get(user=confirmed.need.resident.user)
    assert "no longer available" in notice.message


@pytest.mark.django_db
def test_erasing_one_of_two_owners_keeps_the_organisation_running(provider_user, provider, confirmed, offer):
    ProviderMemberFactory(provider=provider, role=ProviderMember.Role.OWNER)
    account_erase(user=provider_user)
    offer.refresh_from_db()
    confirmed.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE
    assert confirmed.status == Match.Status.CONFIRMED
    assert Message.objects.get(match=confirmed, sender=provider_user).body == ""


@pytest.mark.django_db
def test_erasing_a_volunteer_closes_their_provider_and_blanks_its_contact_details(council, category):
    volunteer = ProviderFactory(council=council, kind=Provider.Kind.VOLUNTEER, name=NAME, phone=PHONE)
    user = ProviderMemberFactory(provider=volunteer, role=ProviderMember.Role.OWNER).user
    OfferFactory(provider=volunteer, categories=[category])
    account_erase(user=user)
    volunteer.refresh_from_db()
    assert NAME not in volunteer.name and volunteer.phone == ""
    assert volunteer.postcode == "KT1"
    assert volunteer.offers.get().status == Offer.Status.CLOSED


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_api_returns_the_export(api, confirmed):
    response = api.get("/api/v1/me/data/")
    assert response.status_code == 200
    assert response.json()["residents"]["profile"]["address_line_1"] == ADDRESS


@pytest.mark.django_db
def test_api_erases_with_password_and_confirmation(api, user, confirmed):
    response = api.post("/api/v1/me/erase/", {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 204
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [({"password": "wrong", "confirm": True}, "password"), ({"password": PASSWORD, "confirm": False}, "confirm")],
)
def test_api_refuses_a_wrong_password_or_no_confirmation_and_erases_nothing(api, user, data, field):
    response = api.post("/api/v1/me/erase/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.django_db
def test_api_refuses_anonymous_callers_and_officers(officer):
    anonymous = APIClient()
    assert anonymous.get("/api/v1/me/data/").status_code in (401, 403)
    assert anonymous.post("/api/v1/me/erase/", {}, format="json").status_code in (401, 403)
    client = APIClient()
    client.force_authenticate(officer)
    response = client.post("/api/v1/me/erase/", {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_api_erase_is_throttled_after_a_few_wrong_passwords(api, user):
    for _ in range(5):
        assert api.post("/api/v1/me/erase/", {"password": "x", "confirm": True}, format="json").status_code == 400
    assert api.post("/api/v1/me/erase/", {"password": PASSWORD, "confirm": True}, format="json").status_code == 429
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_the_number_of_matches(
    user, resident, category, provider, django_assert_max_num_queries
):
    for _ in range(8):
        need = NeedFactory(resident=resident, category=category)
        match = _match(need, OfferFactory(provider=provider, categories=[category]), Match.Status.PROPOSED)
        MessageFactory(match=match, sender=user, body="hello")
    # One query per kind of row, whatever the history (visits are one; the referral, consents and referrer roles 3).
    with django_assert_max_num_queries(16):
        data = personal_data_export(user=user)
    assert len(data["matching"]["matches"]) == 8


@pytest.mark.django_db
def test_erase_page_stops_after_five_wrong_passwords(client, user):
    client.force_login(user)
    for _ in range(5):
        client.post(reverse("account_erase"), {"confirm": "on", "password": "wrong"})
    response = client.post(reverse("account_erase"), {"confirm": "on", "password": PASSWORD})
    assert "wrong password too many times" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active

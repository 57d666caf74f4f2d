"""The provider's pages: who may see them, and what a provider sees and can do."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from platform_core.models import SafeguardingTier, User
from providers.models import Offer, Provider, ProviderInvitation, ProviderMember, VerificationEvidence
from providers.selectors import offer_list_in_market
from providers.tests.factories import EvidenceFactory, OfferFactory, ProviderMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(provider, categories):
    return OfferFactory(provider=provider, categories=[categories["shopping"]])


def object_pages(provider, offer, owner_member):
    return [
        reverse("providers:provider_detail", kwargs={"pk": provider.pk}),
        reverse("providers:provider_edit", kwargs={"pk": provider.pk}),
        reverse("providers:verification", kwargs={"pk": provider.pk}),
        reverse("providers:evidence_submit", kwargs={"pk": provider.pk, "kind": "charity_number"}),
        reverse("providers:members", kwargs={"pk": provider.pk}),
        reverse("providers:offer_create", kwargs={"pk": provider.pk}),
        reverse("providers:offer_detail", kwargs={"pk": offer.pk}),
        reverse("providers:offer_edit", kwargs={"pk": offer.pk}),
    ]


def post_actions(provider, offer, owner_member):
    return [
        reverse("providers:offer_pause", kwargs={"pk": offer.pk}),
        reverse("providers:offer_resume", kwargs={"pk": offer.pk}),
        reverse("providers:offer_close", kwargs={"pk": offer.pk}),
        reverse("providers:member_remove", kwargs={"pk": provider.pk, "member_pk": owner_member.pk}),
    ]


def test_owner_sees_every_provider_page(client, provider, offer, owner):
    client.force_login(owner)
    member = ProviderMember.objects.get(user=owner)
    for url in object_pages(provider, offer, member):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_member", "newcomer", "other_officer", "officer"])
def test_outsiders_get_not_found_on_every_provider_page_and_action(request, client, provider, offer, owner, who):
    client.force_login(request.getfixturevalue(who))
    member = ProviderMember.objects.get(user=owner)
    for url in object_pages(provider, offer, member):
        assert client.get(url).status_code == 404, url
    for url in post_actions(provider, offer, member):
        assert client.post(url).status_code == 404, url
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE
    assert ProviderMember.objects.filter(pk=member.pk).exists()


def test_anonymous_is_sent_to_sign_in_everywhere(client, provider, offer, owner):
    member = ProviderMember.objects.get(user=owner)
    urls = [reverse("providers:dashboard"), reverse("providers:register"), *object_pages(provider, offer, member)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in post_actions(provider, offer, member):
        assert "/accounts/login/" in client.post(url)["Location"], url


def test_a_member_who_is_not_owner_cannot_edit_the_profile(client, provider):
    colleague = ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER).user
    client.force_login(colleague)
    assert client.get(reverse("providers:provider_edit", kwargs={"pk": provider.pk})).status_code == 403


def test_registering_makes_the_user_an_owner_in_the_council_of_the_postcode(client, council, kingston_postcodes):
    from platform_core.tests.factories import UserFactory

    user = UserFactory(role=User.Role.RESIDENT)
    client.force_login(user)
    response = client.post(
        reverse("providers:register"),
        {
            "kind": Provider.Kind.COMMUNITY_GROUP,
            "name": "Surbiton Neighbours",
            "email": "hello@example.org",
            "postcode": "kt6 6hl",
        },
    )
    provider = Provider.objects.get(name="Surbiton Neighbours")
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:verification", kwargs={"pk": provider.pk})
    assert provider.council == council and provider.postcode == "KT6 6HL"
    assert provider.verification_status == Provider.Verification.UNVERIFIED
    assert ProviderMember.objects.get(provider=provider).role == ProviderMember.Role.OWNER
    user.refresh_from_db()
    assert user.role == User.Role.PROVIDER


def test_registering_outside_every_council_is_refused(client, council, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("providers:register"),
        {"kind": "charity", "name": "Far away", "email": "a@example.org", "postcode": "EH1 1YZ"},
    )
    assert response.status_code == 400
    assert "This postcode is outside the areas we cover" in response.content.decode()
    assert not Provider.objects.filter(name="Far away").exists()


def test_html_in_name_and_description_is_stored_as_typed_and_shown_escaped(client, council, kingston_postcodes):
    from platform_core.tests.factories import UserFactory

    payload = '<script>alert("x")</script><b>bold</b>'
    client.force_login(UserFactory())
    client.post(
        reverse("providers:register"),
        {"kind": "charity", "name": payload, "description": payload, "email": "a@example.org", "postcode": "KT1 1EU"},
    )
    provider = Provider.objects.get()
    assert provider.name == payload and provider.description == payload
    for url in [reverse("providers:provider_detail", kwargs={"pk": provider.pk}), reverse("providers:dashboard")]:
        html = client.get(url).content.decode()
        assert payload not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def offer_post(categories, **kw):
    data = {
        "title": "Home visits in Kingston",
        "description": "A cup of tea and a chat.",
        "categories": [c.pk for c in categories],
        "capacity": "2",
        "postcode": "KT1 1EU",
        "radius_km": "5",
        "cost_type": "free",
        "price": "",
        "languages": "English, Polish",
        "weekly_slots": ["0", "4"],
    }
    data.update(kw)
    return data


def test_provider_without_dbs_cannot_offer_home_visits_on_the_web(owner_client, provider, categories):
    response = owner_client.post(
        reverse("providers:offer_create", kwargs={"pk": provider.pk}), offer_post([categories["home_visits"]])
    )
    assert response.status_code == 400
    assert "Home visits needs a DBS check. Add your DBS certificate to offer it." in response.content.decode()
    assert not Offer.objects.exists()


def test_price_above_the_cap_is_refused_on_the_web_naming_the_cap(owner_client, provider, categories):
    response = owner_client.post(
        reverse("providers:offer_create", kwargs={"pk": provider.pk}),
        offer_post([categories["shopping"]], cost_type="per_hour", price="15.01"),
    )
    assert "The council&#x27;s cap for Shopping is £15.00 per hour" in response.content.decode()
    assert not Offer.objects.exists()


def test_a_good_offer_is_saved_live_for_a_verified_charity(owner_client, provider, categories):
    response = owner_client.post(
        reverse("providers:offer_create", kwargs={"pk": provider.pk}),
        offer_post([categories["shopping"], categories["transport"]], cost_type="per_hour", price="12.50"),
    )
    offer = Offer.objects.get()
    assert response["Location"] == reverse("providers:offer_detail", kwargs={"pk": offer.pk})
    assert offer.status == Offer.Status.ACTIVE and offer.price_pence == 1250
    assert offer.languages == ["en", "pl"] and offer.weekly_slots == [0, 4]  # ISO 639 codes
    assert list(offer_list_in_market(council=provider.council)) == [offer]


def test_pause_resume_close_from_the_offer_page(owner_client, offer):
    for action, status in [("pause", "paused"), ("resume", "active"), ("close", "closed")]:
        owner_client.post(reverse(f"providers:offer_{action}", kwargs={"pk": offer.pk}))
        offer.refresh_from_db()
        assert offer.status == status


def test_editing_capacity_keeps_capacity_in_use(owner_client, provider, categories):
    offer = OfferFactory(provider=provider, categories=[categories["shopping"]], capacity=3, capacity_left=1)
    response = owner_client.post(
        reverse("providers:offer_edit", kwargs={"pk": offer.pk}), offer_post([categories["shopping"]], capacity="1")
    )
    assert "Enter 2 or more" in response.content.decode()
    owner_client.post(
        reverse("providers:offer_edit", kwargs={"pk": offer.pk}), offer_post([categories["shopping"]], capacity="4")
    )
    offer.refresh_from_db()
    assert (offer.capacity, offer.capacity_left) == (4, 2)


def test_verification_page_lists_required_evidence_with_status_and_rejection_reason(owner_client, provider):
    EvidenceFactory(
        provider=provider,
        kind=VerificationEvidence.Kind.CHARITY_NUMBER,
        status=VerificationEvidence.Status.REJECTED,
        decision_reason="Not on the Charity Commission register",
    )
    html = owner_client.get(reverse("providers:verification", kwargs={"pk": provider.pk})).content.decode()
    assert "Charity number" in html and "(required)" in html
    assert "DBS certificate" in html and "(optional)" in html
    assert "Rejected" in html and "Not on the Charity Commission register" in html


def test_submitting_dbs_on_the_web_shows_format_errors(owner_client, provider):
    url = reverse("providers:evidence_submit", kwargs={"pk": provider.pk, "kind": "dbs"})
    response = owner_client.post(
        url,
        {
            "reference": "123",
            "dbs_level": "enhanced",
            "issued_on_day": "1",
            "issued_on_month": "1",
            "issued_on_year": "2025",
        },
    )
    assert "Enter the 12-digit DBS certificate number" in response.content.decode()
    response = owner_client.post(
        url,
        {
            "reference": "001234567890",
            "dbs_level": "enhanced",
            "issued_on_day": "1",
            "issued_on_month": "1",
            "issued_on_year": "2025",
        },
    )
    assert response.status_code == 302
    assert VerificationEvidence.objects.get(provider=provider).reference == "001234567890"


def test_invite_then_accept(client, provider, owner, django_capture_on_commit_callbacks, tasks_inline):
    from platform_core.tests.factories import UserFactory

    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("providers:members", kwargs={"pk": provider.pk}), {"email": "Colleague@Example.org"})
    invitation = ProviderInvitation.objects.get()
    assert invitation.email == "colleague@example.org"
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body
    assert tasks_inline == ["providers.tasks.invitation_email_send_task"]  # the mail left from a task

    accept_url = reverse("providers:invitation_accept", kwargs={"token": invitation.token})
    stranger = UserFactory()
    client.force_login(stranger)
    refused = client.post(accept_url)
    assert refused.status_code == 404  # not theirs: not found, and neither the provider nor the address shown
    assert provider.name not in refused.content.decode() and invitation.email not in refused.content.decode()
    assert not ProviderMember.objects.filter(user=stranger).exists()
    colleague = UserFactory(email="colleague@example.org")
    client.force_login(colleague)
    assert client.get(accept_url).status_code == 200
    client.post(accept_url)
    assert ProviderMember.objects.get(provider=provider, user=colleague).role == ProviderMember.Role.MEMBER
    colleague.refresh_from_db()
    assert colleague.role == User.Role.PROVIDER


def test_volunteer_cannot_invite(client, council, kingston_postcodes):
    volunteer = ProviderMemberFactory(
        provider__council=council, provider__kind=Provider.Kind.VOLUNTEER, provider__clearance=SafeguardingTier.OPEN
    )
    client.force_login(volunteer.user)
    response = client.post(
        reverse("providers:members", kwargs={"pk": volunteer.provider_id}), {"email": "friend@example.org"}
    )
    assert "An individual volunteer cannot add members" in response.content.decode()
    assert not ProviderInvitation.objects.exists()


def test_member_leaves_and_owner_removes_but_last_owner_stays(client, provider, owner):
    one = ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER)
    two = ProviderMemberFactory(provider=provider, role=ProviderMember.Role.MEMBER)
    client.force_login(one.user)
    client.post(reverse("providers:member_remove", kwargs={"pk": provider.pk, "member_pk": one.pk}))
    assert not ProviderMember.objects.filter(pk=one.pk).exists()
    # a plain member cannot remove someone else
    client.force_login(two.user)
    owner_member = ProviderMember.objects.get(user=owner)
    assert (
        client.post(
            reverse("providers:member_remove", kwargs={"pk": provider.pk, "member_pk": owner_member.pk})
        ).status_code
        == 403
    )
    client.force_login(owner)
    client.post(reverse("providers:member_remove", kwargs={"pk": provider.pk, "member_pk": two.pk}))
    assert not ProviderMember.objects.filter(pk=two.pk).exists()
    response = client.post(
        reverse("providers:member_remove", kwargs={"pk": provider.pk, "member_pk": owner_member.pk}), follow=True
    )
    assert "must keep at least one owner" in response.content.decode()
    assert ProviderMember.objects.filter(pk=owner_member.pk).exists()


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_queries_do_not_grow_with_offers(
    client, provider, owner, categories, n, django_assert_max_num_queries
):
    for _ in range(n):
        OfferFactory(provider=provider, categories=[categories["shopping"], categories["transport"]])
    client.force_login(owner)
    # 7, and (issue 9) whether they are a resident too and how many proposals wait for them.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("providers:dashboard"))
    assert response.content.decode().count('class="govuk-tag') >= min(n, 25)  # a page of 25 (issue 11)


def test_admin_lists_providers_and_offers(client, offer):
    from platform_core.tests.factories import UserFactory
    from platform_core.tests.two_factor import give_totp, sign_in_with_two_factor

    admin = UserFactory(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
    give_totp(admin)
    sign_in_with_two_factor(client, admin)
    assert client.get(reverse("admin:providers_provider_changelist")).status_code == 200
    assert client.get(reverse("admin:providers_provider_change", args=[offer.provider_id])).status_code == 200
    assert client.get(reverse("admin:providers_offer_changelist")).status_code == 200

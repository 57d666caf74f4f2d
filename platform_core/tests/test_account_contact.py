"""Provider members (and officers) choose how notices reach them; residents do so on their profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from platform_core.models import NotifyBy

pytestmark = pytest.mark.django_db
URL = reverse("account_contact")


def test_a_provider_member_chooses_texts_with_a_mobile_number(client, provider_user):
    client.force_login(provider_user)
    response = client.post(URL, {"notify_by": "text", "phone": "07700 900 982"})
    assert response.status_code == 302
    provider_user.refresh_from_db()
    assert (provider_user.notify_by, provider_user.phone) == (NotifyBy.TEXT, "+447700900982")
    assert "07700 900982" in client.get(URL).content.decode()  # shown as people write it


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("020 7946 0000", "Enter a mobile phone number to get text messages"),
        ("", "Enter a mobile phone number to get text messages"),
        ("not a number", "Enter a telephone number"),
    ],
)
def test_texts_need_a_mobile_number_and_nothing_is_saved(client, provider_user, phone, message):
    client.force_login(provider_user)
    response = client.post(URL, {"notify_by": "both", "phone": phone})
    assert response.status_code == 400 and message in response.content.decode()
    provider_user.refresh_from_db()
    assert (provider_user.notify_by, provider_user.phone) == (NotifyBy.EMAIL, "")


def test_a_resident_is_sent_to_their_profile(client, resident_user):
    client.force_login(resident_user)
    assert client.get(URL).url == reverse("residents:profile")


def test_the_page_needs_sign_in(client):
    assert client.get(URL).status_code == 302

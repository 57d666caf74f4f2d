"""Languages: the switcher, the person's saved choice, the council's Welsh
switch, and the language everything sent to a person is written in."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from platform_core.i18n import language_choose, languages_offered
from platform_core.models import AuditEvent, Language
from platform_core.notifications.language import recipient_language
from platform_core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SWITCH = reverse("language_switch")


@pytest.fixture
def welsh_council(council):
    council.welsh_enabled = True
    council.save(update_fields=["welsh_enabled"])
    return council


def test_english_is_always_offered_and_welsh_only_when_the_council_turns_it_on(council):
    assert languages_offered(council) == ["en-gb"]
    council.welsh_enabled = True
    assert languages_offered(council) == ["en-gb", "cy"]
    assert languages_offered(None) == ["en-gb"]


def test_a_language_the_council_does_not_offer_falls_back_to_english(council):
    assert language_choose(wanted="cy", council=council) == "en-gb"
    council.welsh_enabled = True
    assert language_choose(wanted="cy", council=council) == "cy"
    assert language_choose(wanted="cy-GB", council=council) == "cy"
    assert language_choose(wanted="pl", council=council) == "en-gb"
    assert language_choose(wanted=None, council=council) == "en-gb"


def test_without_welsh_there_is_no_switcher_and_pages_are_english(client, council):
    html = client.get(reverse("start"), HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert 'class="app-language-select"' not in html
    assert '<html lang="en-GB"' in html


def test_with_welsh_the_header_offers_a_switcher_that_works_without_javascript(client, welsh_council):
    html = client.get(reverse("start")).content.decode()
    assert 'class="app-language-select"' in html
    assert f'action="{SWITCH}"' in html and 'method="post"' in html
    assert 'name="language" value="cy"' in html
    assert '<span class="app-language-select__current" aria-current="true" lang="en-gb">English</span>' in html


def test_switching_keeps_the_choice_in_a_cookie_and_returns_to_the_page(client, welsh_council):
    response = client.post(SWITCH, {"language": "cy", "next": "/accessibility/"})
    assert response.status_code == 302
    assert response.url == "/accessibility/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
    response = client.get("/accessibility/")
    assert '<html lang="cy"' in response.content.decode()
    assert response["Content-Language"] == "cy"


def test_the_browser_language_is_used_when_nothing_was_chosen(client, welsh_council):
    html = client.get(reverse("start"), HTTP_ACCEPT_LANGUAGE="cy,en;q=0.5").content.decode()
    assert '<html lang="cy"' in html


def test_switching_never_sends_anyone_to_another_site(client, welsh_council):
    response = client.post(SWITCH, {"language": "cy", "next": "https://evil.example/"})
    assert response.url == reverse("start")


@pytest.mark.parametrize("back", ["-1", "twelve", "9999-12-31"])
def test_a_next_that_is_no_address_returns_to_the_start_not_a_500(client, welsh_council, back):
    response = client.post(SWITCH, {"language": "cy", "next": back})
    assert response.status_code == 302 and response.url == reverse("start")


def test_an_unknown_language_is_refused_with_a_400(client, welsh_council):
    response = client.post(SWITCH, {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "Select a language" in response.content.decode()


def test_switching_is_a_post(client, welsh_council):
    assert client.get(SWITCH).status_code == 405


def test_a_signed_in_person_keeps_their_choice_on_their_account(client, welsh_council, resident_user):
    client.force_login(resident_user)
    client.post(SWITCH, {"language": "cy", "next": "/"})
    resident_user.refresh_from_db()
    assert resident_user.language == Language.WELSH
    # Another browser, no cookie: the saved choice wins over the browser's.
    client.cookies.clear()
    client.force_login(resident_user)
    html = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="cy"' in html


def test_when_the_council_turns_welsh_off_pages_are_english_and_the_choice_is_kept(
    client, welsh_council, resident_user
):
    resident_user.language = Language.WELSH
    resident_user.save(update_fields=["language"])
    welsh_council.welsh_enabled = False
    welsh_council.save(update_fields=["welsh_enabled"])
    client.force_login(resident_user)
    html = client.get(reverse("notifications")).content.decode()
    assert '<html lang="en-GB"' in html
    resident_user.refresh_from_db()
    assert resident_user.language == Language.WELSH


def test_messages_are_written_in_the_persons_language_when_their_council_offers_it(welsh_council, resident_user):
    assert recipient_language(resident_user) == "en-gb"
    resident_user.language = Language.WELSH
    assert recipient_language(resident_user) == "cy"
    welsh_council.welsh_enabled = False
    welsh_council.save(update_fields=["welsh_enabled"])
    resident_user.council = welsh_council
    assert recipient_language(resident_user) == "en-gb"


def test_someone_who_signs_up_in_welsh_gets_welsh(client, welsh_council):
    client.post(SWITCH, {"language": "cy", "next": "/"})
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newydd@example.org",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "full_name": "Siân Jones",
            "role": "resident",
        },
    )
    assert response.status_code == 302
    from platform_core.models import User

    assert User.objects.get(email="newydd@example.org").language == Language.WELSH


def test_an_officer_turns_welsh_on_and_off_for_their_council_audited(officer_client, council, officer):
    url = reverse("marketplace:languages_edit")
    assert "Offer the service in Welsh" in officer_client.get(url).content.decode()
    response = officer_client.post(url, {"welsh_enabled": "on"})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.welsh_enabled is True
    event = AuditEvent.objects.get(action="regulation.languages_update")
    assert event.actor == officer and event.data["welsh_enabled"] == {"before": False, "after": True}
    assert "English and Welsh" in officer_client.get(reverse("marketplace:regulation")).content.decode()
    officer_client.post(url, {})
    council.refresh_from_db()
    assert council.welsh_enabled is False


def test_an_officer_of_another_council_cannot_change_kingstons_languages(council, other_officer):
    from django.core.exceptions import PermissionDenied

    from platform_core.services import council_languages_update

    with pytest.raises(PermissionDenied):
        council_languages_update(council=council, officer=other_officer, welsh_enabled=True)


def test_a_person_without_a_council_follows_the_first_council_hosted(welsh_council):
    member = UserFactory(role="provider", council=None, language=Language.WELSH)
    assert recipient_language(member) == "cy"

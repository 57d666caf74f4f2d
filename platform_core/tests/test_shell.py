"""The GOV.UK shell: every page has the landmarks and attribution, forms render in
GOV.UK markup with working error messages, user input is never reflected raw."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.template import engines, loader
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from platform_core.fields import GovukDateField
from platform_core.models import User
from platform_core.tests.factories import PASSWORD, NotificationFactory, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

SKIP_LINK = '<a href="#main-content" class="govuk-skip-link"'
OGL = "Open Government Licence v3.0"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right"


def assert_shell(html: str) -> None:
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert SKIP_LINK in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert OGL in html
    assert OS_ATTRIBUTION in html
    assert "govuk-generic-header" in html
    assert "GDS Transport" not in html


@pytest.mark.parametrize("url_name", ["start", "account_login", "account_signup", "account_reset_password"])
def test_public_shell_pages_render_with_landmarks_and_attribution(client, council, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert_shell(html)
    assert "Kingston Convene" in html
    assert reverse("account_login") in html


def test_start_page_explains_the_service_and_offers_sign_up_and_sign_in(client, council):
    html = client.get(reverse("start")).content.decode()
    assert council.name in html
    assert "govuk-button--start" in html
    assert f'href="{reverse("account_signup")}"' in html
    assert "free" in html
    assert "exact address" in html


def test_notifications_page_renders_for_a_signed_in_user(client, council):
    client.force_login(UserFactory(council=council))
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert_shell(html)
    assert "Sign out" in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize(
    ("role", "label"),
    [(User.Role.RESIDENT, "Your needs"), (User.Role.PROVIDER, "Your offers"), (User.Role.OFFICER, "Council console")],
)
def test_service_navigation_names_the_home_page_by_role(client, council, role, label):
    client.force_login(UserFactory(council=council, role=role))
    html = client.get(reverse("accessibility")).content.decode()
    assert label in html
    assert f'action="{reverse("account_logout")}"' in html


def test_scripts_carry_the_csp_nonce_of_the_response(client, council):
    response = client.get(reverse("start"))
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    assert html.count(f'nonce="{nonce}"') == 2
    assert '<script type="module"' in html
    assert "initAll()" in html


def test_unknown_page_is_a_govuk_page_not_found(client, council):
    response = client.get("/no-such-page/<script>alert(1)</script>")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert_shell(html)
    assert "<script>alert(1)</script>" not in html


def test_server_error_page_renders_without_any_context():
    request = RequestFactory().get("/")
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert_shell(html)


def test_base_template_renders_with_an_empty_context():
    html = loader.get_template("base.html").render({})
    assert_shell(html)
    assert "Convene" in html


@pytest.mark.parametrize("name", ["400.html", "403.html"])
def test_other_error_pages_extend_the_shell(client, council, name):
    html = loader.get_template(name).render({})
    assert_shell(html)


def test_bad_sign_up_shows_the_error_summary_and_escapes_what_was_typed(client, council):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "not-an-email<script>alert(1)</script>",
            "full_name": "<script>alert(2)</script>",
            "password1": "x",
            "password2": "y",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_email">' in html
    assert '<a href="#id_role_0">Select whether you want to get help or offer help</a>' in html
    assert "govuk-form-group--error" in html
    assert "govuk-input--error" in html
    assert '<span class="govuk-visually-hidden">Error:</span>' in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_login_next_parameter_is_not_reflected_raw(client, council):
    html = client.get(reverse("account_login") + '?next="><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)</script>" not in html


def test_failed_login_links_its_error_to_the_first_field(client, council):
    UserFactory(council=council, email="someone@example.org")
    html = client.post(
        reverse("account_login"), {"login": "someone@example.org", "password": "wrong password"}
    ).content.decode()
    assert 'class="govuk-error-summary"' in html
    assert '<li><a href="#id_login">' in html


def test_totp_setup_shows_the_qr_code_and_the_secret(client, council):
    user = OfficerFactory(council=council)
    client.force_login(user)
    # allauth asks for the password again before two-factor can be set up.
    reauthenticate = client.get(reverse("account_reauthenticate"))
    assert reauthenticate.status_code == 200
    assert_shell(reauthenticate.content.decode())
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = response.context["form"].secret
    assert f'value="{secret}"' in html
    assert 'id="id_code"' in html


# --- form field templates -------------------------------------------------------


class ExampleForm(forms.Form):
    name = forms.CharField(label="What is your name?", help_text="As it appears on a letter")
    details = forms.CharField(label="Tell us more", max_length=200, widget=forms.Textarea)
    colour = forms.ChoiceField(label="Colour", choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect)
    when = GovukDateField(label="When do you need help?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].page_heading = True


def render(template: str, **context) -> str:
    return engines["django"].from_string(template).render(context)


def test_page_heading_field_puts_its_label_in_the_h1():
    html = ExampleForm()["name"].as_field_group()
    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_name">' in html
    assert 'id="id_name_helptext" class="govuk-hint"' in html
    assert 'aria-describedby="id_name_helptext"' in html


def test_textarea_with_max_length_gets_a_character_count_and_no_maxlength():
    html = ExampleForm()["details"].as_field_group()
    assert 'data-module="govuk-character-count" data-maxlength="200"' in html
    assert "govuk-js-character-count" in html
    assert 'aria-describedby="id_details-info"' in html
    assert "maxlength=" not in html.replace("data-maxlength", "")


def test_radios_are_grouped_in_a_fieldset_with_a_legend():
    html = ExampleForm()["colour"].as_field_group()
    assert '<fieldset class="govuk-fieldset"' in html
    assert "govuk-fieldset__legend" in html
    assert 'class="govuk-radios__input" type="radio" name="colour" value="red"' in html


def test_error_message_is_described_and_marked_for_screen_readers():
    form = ExampleForm(data={"name": "", "details": "x", "colour": "red", "when_day": "1", "when_month": "2"})
    assert not form.is_valid()
    html = form["name"].as_field_group()
    assert "govuk-form-group--error" in html
    assert '<p id="id_name_error" class="govuk-error-message">' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html


@pytest.mark.parametrize(
    ("data", "message", "marked"),
    [
        ({"when_day": "3", "when_month": "", "when_year": "2027"}, "Date must include a month", ["id_when_1"]),
        ({"when_day": "", "when_month": "", "when_year": "2027"}, "Date must include a day and month", None),
        ({"when_day": "31", "when_month": "2", "when_year": "2027"}, "Enter a real date", None),
        ({"when_day": "1", "when_month": "x", "when_year": "2027"}, "Enter a real date", ["id_when_1"]),
        ({"when_day": "1", "when_month": "2", "when_year": "27"}, "Year must include 4 numbers", ["id_when_2"]),
        ({}, "Enter a date", None),
    ],
)
def test_date_field_explains_what_is_wrong(data, message, marked):
    form = ExampleForm(data={"name": "A", "details": "x", "colour": "red", **data})
    assert not form.is_valid()
    assert form.errors["when"] == [message]
    html = form["when"].as_field_group()
    assert 'role="group"' in html
    if marked:
        for input_id in marked:
            assert re.search(rf'govuk-input--error"[^>]*id="{input_id}"', html)
        assert html.count("govuk-input--error") == len(marked)
    summary = render('{% include "includes/error_summary.html" with form=form %}', form=form)
    assert message in summary


def test_date_field_accepts_a_real_date_and_keeps_what_was_typed():
    form = ExampleForm(
        data={"name": "A", "details": "x", "colour": "red", "when_day": "3", "when_month": "4", "when_year": "2027"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == datetime.date(2027, 4, 3)
    html = form["when"].as_field_group()
    assert 'name="when_day" value="3"' in html
    assert "Day</label>" in html


def test_error_summary_is_empty_for_a_valid_or_unbound_form():
    assert render('{% include "includes/error_summary.html" with form=form %}', form=ExampleForm()).strip() == ""


def test_notifications_link_only_to_paths_on_this_site(client, council):

    user = UserFactory(council=council)
    NotificationFactory(user=user, message="Your need has a helper", url="/matches/")
    NotificationFactory(user=user, message="<b>Odd</b>", url="javascript:alert(1)")
    client.force_login(user)
    html = client.get(reverse("notifications")).content.decode()
    assert '<a href="/matches/" class="govuk-link">Your need has a helper</a>' in html
    assert "javascript:" not in html
    assert "&lt;b&gt;Odd&lt;/b&gt;" in html
    assert "govuk-tag--blue" in html


def test_two_factor_index_renders_in_the_shell(officer_client):
    response = officer_client.get(reverse("mfa_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert_shell(html)
    assert "Authenticator app" in html
    assert "govuk-summary-list" in html


def test_opening_notifications_marks_nothing_read_and_the_button_does(client, council):
    from platform_core.models import Notification

    user = UserFactory(council=council)
    NotificationFactory(user=user, message="Your need has a helper", url="/matches/")
    client.force_login(user)
    html = client.get(reverse("notifications")).content.decode()
    assert "Mark all as read" in html
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1
    assert client.post(reverse("notifications")).status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert "Mark all as read" not in client.get(reverse("notifications")).content.decode()

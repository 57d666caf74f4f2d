"""The resident's pages other than the question journey: dashboard, need page, cancel, profile."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from platform_core.tests.factories import UserFactory
from residents.models import Need
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><b>bold</b>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"


def detail_url(need: Need) -> str:
    return reverse("residents:need_detail", kwargs={"reference": need.reference})


@pytest.mark.parametrize("rows", [5, 50])
def test_dashboard_uses_the_same_number_of_queries_whatever_the_rows(
    resident_client, resident, rows, django_assert_max_num_queries
):
    NeedFactory.create_batch(rows, resident=resident)
    NeedFactory(resident=resident, status=Need.Status.DRAFT)
    # 8, and (issue 9) whether they are a provider member too, their match counts, their proposals' labels.
    with django_assert_max_num_queries(11):
        response = resident_client.get(reverse("residents:dashboard"))
    assert response.status_code == 200


def test_dashboard_lists_needs_with_status_tags_and_pages_them(resident_client, resident):
    NeedFactory(resident=resident, title="Old one", status=Need.Status.CANCELLED)
    NeedFactory.create_batch(20, resident=resident)
    html = resident_client.get(reverse("residents:dashboard")).content.decode()
    assert html.count('class="govuk-tag govuk-tag--blue"') == 20
    assert "Next" in html
    html = resident_client.get(reverse("residents:dashboard") + "?page=2").content.decode()
    assert "Old one" in html
    assert "govuk-tag--red" in html


def test_dashboard_without_a_profile_asks_for_one(client, council):
    client.force_login(UserFactory())
    html = client.get(reverse("residents:dashboard")).content.decode()
    assert reverse("residents:profile") in html


def test_text_typed_by_a_resident_is_stored_as_typed_and_shown_escaped(resident_client, resident):
    need = NeedFactory(resident=resident, status=Need.Status.DRAFT, posted_at=None)
    resident_client.post(
        reverse("residents:need_what", kwargs={"reference": need.reference}), {"title": PAYLOAD, "description": PAYLOAD}
    )
    resident_client.post(
        reverse("residents:need_preferences", kwargs={"reference": need.reference}),
        {"accessibility": PAYLOAD, "language": "Welsh"},
    )
    need.refresh_from_db()
    assert (need.title, need.description, need.accessibility) == (PAYLOAD, PAYLOAD, PAYLOAD)
    for url in [
        detail_url(need),
        reverse("residents:need_check", kwargs={"reference": need.reference}),
        reverse("residents:dashboard"),
    ]:
        html = resident_client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert ESCAPED in html
    assert "Welsh" in resident_client.get(detail_url(need)).content.decode()  # stored as "cy", named on the page
    # A language is an ISO 639 code now: markup names no language, and the refusal shows it escaped.
    refused = resident_client.post(
        reverse("residents:need_preferences", kwargs={"reference": need.reference}), {"language": "<i>Welsh</i>"}
    )
    assert "&lt;i&gt;Welsh&lt;/i&gt;" in refused.content.decode()


def test_profile_text_is_shown_escaped(resident_client, resident):
    resident.accessibility_needs = PAYLOAD
    resident.save()
    html = resident_client.get(reverse("residents:profile")).content.decode()
    assert "<script>alert" not in html
    assert ESCAPED in html


def test_cancelling_a_need_asks_for_a_reason_then_shows_it(resident_client, resident):
    need = NeedFactory(resident=resident)
    url = reverse("residents:need_cancel", kwargs={"reference": need.reference})
    response = resident_client.post(url, {"reason": ""})
    assert "Tell us why you are cancelling" in response.content.decode()
    with mock.patch("residents.services.market_changed") as announced:
        response = resident_client.post(url, {"reason": "My son is visiting"})
    assert response.url == detail_url(need)
    announced.assert_called_once_with(council_id=need.council_id)
    html = resident_client.get(detail_url(need)).content.decode()
    assert "Cancelled" in html
    assert "My son is visiting" in html
    assert "Cancel this request" not in html


def test_a_matched_need_has_no_cancel_or_change_links(resident_client, resident):
    need = NeedFactory(resident=resident, status=Need.Status.MATCHED)
    html = resident_client.get(detail_url(need)).content.decode()
    assert "Cancel this request" not in html
    assert "Change" not in html


def test_an_open_need_page_offers_change_links_to_the_question_pages(resident_client, resident):
    need = NeedFactory(resident=resident)
    html = resident_client.get(detail_url(need)).content.decode()
    assert reverse("residents:need_what", kwargs={"reference": need.reference}) in html


def test_the_profile_page_shows_postcode_errors(resident_client):
    data = {"full_name": "A", "address_line_1": "1 Road", "contact_preference": "email", "language": "English"}
    for postcode, message in [
        ("", "Enter a postcode"),
        ("ZZZ", "Enter a real postcode, like KT1 1EU"),
        ("EH1 1AA", "This postcode is outside the areas we cover"),
    ]:
        html = resident_client.post(reverse("residents:profile"), {**data, "postcode": postcode}).content.decode()
        assert "govuk-error-summary" in html
        assert message in html


def test_the_profile_page_refuses_a_bad_phone_number_and_keeps_it(resident_client):
    data = {
        "full_name": "A",
        "address_line_1": "1 Road",
        "postcode": "KT1 1EU",
        "contact_preference": "phone",
        "language": "English",
        "phone": "12345",
    }
    html = resident_client.post(reverse("residents:profile"), data).content.decode()
    assert "Enter a telephone number" in html
    assert 'value="12345"' in html


def test_the_profile_page_ignores_an_offsite_next(resident_client):
    data = {
        "full_name": "A",
        "address_line_1": "1 Road",
        "postcode": "KT1 1EU",
        "contact_preference": "email",
        "language": "English",
        "next": "https://evil.example/",
    }
    response = resident_client.post(reverse("residents:profile"), data)
    assert response.url == reverse("residents:dashboard")

"""The "ask for help" question pages, driven through the Django test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import Preference
from platform_core.tests.factories import PASSWORD, UserFactory
from residents.models import Need, Resident
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def url(name: str, need: Need | None = None, **query) -> str:
    path = reverse(f"residents:{name}", kwargs={"reference": need.reference} if need else {})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def date_data(day) -> dict:
    return {"date_day": day.day, "date_month": day.month, "date_year": day.year}


def assert_error(response, message: str) -> None:
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html, message
    assert "Constraint" not in html


@pytest.fixture
def draft(resident, categories):
    return NeedFactory(
        resident=resident, category=categories[0], status=Need.Status.DRAFT, posted_at=None, title="", description=""
    )


def test_whole_journey_posts_an_open_need_and_shows_its_reference(resident_client, resident, categories):
    client = resident_client
    response = client.get(url("need_new"))
    assert response.status_code == 200
    assert "Shopping" in response.content.decode()

    response = client.post(url("need_new"), {"category": categories[1].pk})
    need = Need.objects.get(resident=resident)
    assert need.status == Need.Status.DRAFT
    assert response.url == url("need_what", need)

    response = client.post(url("need_what", need), {"title": "Lift to hospital", "description": "Outpatients."})
    assert response.url == url("need_when", need)
    response = client.post(url("need_when", need), {"timing": "one_off", "urgency": Need.Urgency.URGENT})
    assert response.url == url("need_times", need)
    response = client.post(url("need_times", need), {**date_data(tomorrow()), "start_hour": 9, "end_hour": 12})
    assert response.url == url("need_where", need)
    response = client.post(url("need_where", need), {"where": "elsewhere", "postcode": "kt2 5au"})
    assert response.url == url("need_preferences", need)
    response = client.post(
        url("need_preferences", need),
        {"preferences": [Preference.FEMALE_HELPER], "language": "Polish", "accessibility": "Ring twice"},
    )
    assert response.url == url("need_check", need)

    response = client.get(url("need_check", need))
    html = response.content.decode()
    assert "Check your answers" in html
    for text in ["Transport", "Lift to hospital", "Outpatients.", "KT2 5AU", "A female helper", "Polish", "Ring twice"]:
        assert text in html
    assert url("need_what", need, change="check") in html

    response = client.post(url("need_check", need))
    assert response.url == url("need_confirmation", need)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert need.posted_at is not None
    assert need.window_end - need.window_start == timedelta(hours=3)
    assert (need.postcode, need.use_home_address) == ("KT2 5AU", False)

    response = client.get(url("need_confirmation", need))
    assert "govuk-panel--confirmation" in response.content.decode()
    assert need.reference in response.content.decode()


def test_weekly_journey_asks_for_day_parts(resident_client, draft):
    draft.title, draft.description = "Befriending", "A chat"
    draft.save()
    resident_client.post(url("need_when", draft), {"timing": "weekly", "urgency": 1})
    response = resident_client.get(url("need_times", draft))
    assert "Monday morning" in response.content.decode()
    response = resident_client.post(url("need_times", draft), {"weekly_slots": [0, 4]})
    assert response.url == url("need_repeat", draft)  # then how often and until when
    draft.refresh_from_db()
    assert (draft.weekly_slots, draft.window_start) == ([0, 4], None)


def test_weekly_journey_asks_how_often_and_until_when(resident_client, draft):
    resident_client.post(url("need_when", draft), {"timing": "weekly", "urgency": 1})
    resident_client.post(url("need_times", draft), {"weekly_slots": [0, 6, 12]})
    page = url("need_repeat", draft)
    assert "How often should help come?" in resident_client.get(page).content.decode()
    refused = resident_client.post(page, {"repeat_every_weeks": "1", "end": "count", "visit_count": ""})
    assert refused.status_code == 400 and "Enter the number of visits" in refused.content.decode()
    absurd = resident_client.post(page, {"repeat_every_weeks": "1", "end": "count", "visit_count": "100000"})
    assert "The number of visits must be between 1 and 365" in absurd.content.decode()
    past = resident_client.post(page, {"repeat_every_weeks": "1", "end": "date", **_ends_on(timezone.localdate())})
    assert "The end date must be in the future" in past.content.decode()
    response = resident_client.post(page, {"repeat_every_weeks": "2", "end": "count", "visit_count": "18"})
    assert response.url == url("need_where", draft)
    draft.refresh_from_db()
    assert (draft.repeat_every_weeks, draft.visit_count, draft.ends_on) == (2, 18, None)
    # Changing to an end date drops the number of visits.
    ends = timezone.localdate() + timedelta(weeks=6)
    resident_client.post(page, {"repeat_every_weeks": "1", "end": "date", **_ends_on(ends)})
    draft.refresh_from_db()
    assert (draft.repeat_every_weeks, draft.visit_count, draft.ends_on) == (1, None, ends)


def _ends_on(day) -> dict:
    return {"ends_on_day": day.day, "ends_on_month": day.month, "ends_on_year": day.year}


def test_a_one_off_need_is_not_asked_how_often(resident_client, draft):
    response = resident_client.get(url("need_repeat", draft))
    assert response.status_code == 302 and response.url == url("need_where", draft)


def test_posting_a_need_without_a_profile_sends_the_resident_to_create_one_and_back(
    client, council, kingston_postcodes
):
    user = UserFactory(role="resident")
    client.force_login(user)
    response = client.get(url("need_new"))
    assert response.status_code == 302
    assert response.url == reverse("residents:profile") + "?next=" + url("need_new")

    data = {
        "full_name": "Ada Lovelace",
        "address_line_1": "1 Eden Street",
        "postcode": "KT1 1EU",
        "contact_preference": "email",
        "language": "English",
        "next": url("need_new"),
    }
    response = client.post(reverse("residents:profile"), data)
    assert response.status_code == 302
    assert response.url == url("need_new")
    user.refresh_from_db()
    assert user.council == council
    assert Resident.objects.get(user=user).postcode == "KT1 1EU"


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("need_what", {"title": "", "description": ""}, "Enter a short title for your request"),
        ("need_what", {"title": "", "description": ""}, "Describe the help you need"),
        ("need_what", {"title": "x" * 101, "description": "ok"}, "The title must be 100 characters or fewer"),
        ("need_what", {"title": "ok", "description": "x" * 1001}, "The description must be 1000 characters or fewer"),
        ("need_when", {}, "Select how often you need help"),
        ("need_when", {"timing": "one_off"}, "Select how soon you need help"),
        ("need_times", {"start_hour": 9, "end_hour": 12}, "Enter the date you need help"),
        (
            "need_times",
            {"date_day": "31", "date_month": "2", "date_year": "2030", "start_hour": 9, "end_hour": 12},
            "The date must be a real date",
        ),
        (
            "need_times",
            {"date_day": "1", "date_month": "", "date_year": "2030", "start_hour": 9, "end_hour": 12},
            "Date must include a month",
        ),
        ("need_times", {"date_day": "1", "date_month": "1", "date_year": "2030"}, "Select the earliest time"),
        (
            "need_times",
            {"date_day": "1", "date_month": "1", "date_year": "2030", "start_hour": 12, "end_hour": 9},
            "The end time must be after the start time",
        ),
        (
            "need_times",
            {"date_day": "1", "date_month": "1", "date_year": "2020", "start_hour": 9, "end_hour": 12},
            "The date and time must be in the future",
        ),
        ("need_where", {}, "Select where you need help"),
        ("need_where", {"where": "elsewhere", "postcode": ""}, "Enter the postcode where you need help"),
        ("need_where", {"where": "elsewhere", "postcode": "NOT A CODE"}, "Enter a real postcode, like KT1 1EU"),
        ("need_where", {"where": "elsewhere", "postcode": "SM1 1AA"}, "The place where you need help must be in Royal"),
        ("need_where", {"where": "elsewhere", "postcode": "EH1 1AA"}, "We do not cover the place where you need help"),
        ("need_preferences", {"language": "x" * 41}, "The language must be 40 characters or fewer"),
        ("need_preferences", {"accessibility": "x" * 501}, "This must be 500 characters or fewer"),
        ("need_preferences", {"preferences": ["jetpack"]}, "Select preferences from the list"),
    ],
)
def test_every_step_shows_its_errors_and_keeps_what_was_typed(
    resident_client, draft, other_council, step, data, message
):
    response = resident_client.post(url(step, draft), data)
    assert_error(response, message)
    for value in data.values():
        if isinstance(value, str) and value and len(value) < 50 and value not in {"one_off", "elsewhere"}:
            assert value in response.content.decode()


def test_category_step_requires_an_answer(resident_client, draft):
    assert_error(resident_client.post(url("need_category", draft), {}), "Select the kind of help you need")
    assert_error(resident_client.post(url("need_new"), {}), "Select the kind of help you need")


def test_category_step_offers_only_the_councils_active_categories(resident_client, categories, other_council):
    from platform_core.tests.factories import ServiceCategoryFactory

    ServiceCategoryFactory(council=categories[0].council, name="Retired kind", is_active=False)
    foreign = ServiceCategoryFactory(council=other_council, name="Sutton gardening")
    html = resident_client.get(url("need_new")).content.decode()
    assert "Retired kind" not in html
    assert "Sutton gardening" not in html
    assert_error(resident_client.post(url("need_new"), {"category": foreign.pk}), "Select the kind of help you need")


def test_weekly_step_without_a_slot_is_refused(resident_client, draft):
    draft.timing = Need.Timing.WEEKLY
    draft.save()
    assert_error(resident_client.post(url("need_times", draft), {}), "Select at least one time of the week")


def test_a_typed_postcode_is_kept_after_an_error(resident_client, draft):
    response = resident_client.post(url("need_where", draft), {"where": "elsewhere", "postcode": "SM1 1AA"})
    assert 'value="SM1 1AA"' in response.content.decode()


def test_unknown_unit_postcode_falls_back_to_the_district_centroid(resident_client, draft):
    response = resident_client.post(url("need_where", draft), {"where": "elsewhere", "postcode": "KT1 9ZZ"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.postcode, draft.latitude, draft.longitude) == ("KT1 9ZZ", 51.407566, -0.298182)


def test_back_links_go_to_the_previous_question(resident_client, draft):
    html = resident_client.get(url("need_when", draft)).content.decode()
    assert f'href="{url("need_what", draft)}" class="govuk-back-link"' in html
    html = resident_client.get(url("need_new")).content.decode()
    assert f'href="{reverse("residents:dashboard")}" class="govuk-back-link"' in html


def test_change_link_returns_to_check_answers(resident_client, draft):
    html = resident_client.get(url("need_what", draft, change="check")).content.decode()
    assert f'href="{url("need_check", draft)}" class="govuk-back-link"' in html
    response = resident_client.post(
        url("need_what", draft, change="check"), {"title": "New title", "description": "New words"}
    )
    assert response.url == url("need_check", draft)
    assert "New title" in resident_client.get(response.url).content.decode()


def test_changing_once_to_weekly_from_check_answers_asks_for_the_times(resident_client, draft):
    response = resident_client.post(url("need_when", draft, change="check"), {"timing": "weekly", "urgency": 1})
    assert response.url == url("need_times", draft, change="check")


def test_check_answers_lists_what_is_missing_with_links_to_the_step(resident_client, draft):
    response = resident_client.post(url("need_check", draft))
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a short title for your request" in html
    assert url("need_what", draft, change="check") in html
    draft.refresh_from_db()
    assert draft.status == Need.Status.DRAFT


def test_a_draft_survives_logging_out_and_in(client, resident, categories):
    assert client.login(email=resident.user.email, password=PASSWORD)
    client.post(url("need_new"), {"category": categories[0].pk})
    need = Need.objects.get(resident=resident)
    client.post(url("need_what", need), {"title": "Garden tidy", "description": "Leaves everywhere"})
    client.post(reverse("account_logout"))
    assert client.get(reverse("residents:dashboard")).status_code == 302

    assert client.login(email=resident.user.email, password=PASSWORD)
    html = client.get(reverse("residents:dashboard")).content.decode()
    assert "Continue your draft" in html
    assert url("need_when", need) in html
    html = client.get(url("need_what", need)).content.decode()
    assert "Garden tidy" in html
    assert "Leaves everywhere" in html


def test_editing_an_open_need_reuses_the_question_pages_and_tells_the_market(resident_client, resident):
    from unittest import mock

    need = NeedFactory(resident=resident, category=resident.council.categories.first())
    with mock.patch("residents.services.market_changed") as announced:
        response = resident_client.post(url("need_what", need), {"title": "Changed", "description": "Still shopping"})
    assert response.url == url("need_detail", need)
    need.refresh_from_db()
    assert (need.title, need.status) == ("Changed", Need.Status.OPEN)
    announced.assert_called_once_with(council_id=need.council_id)


def test_question_pages_of_a_matched_need_send_the_resident_to_its_page(resident_client, resident):
    need = NeedFactory(resident=resident, status=Need.Status.MATCHED)
    response = resident_client.post(url("need_what", need), {"title": "Sneaky", "description": "edit"})
    assert response.url == url("need_detail", need)
    need.refresh_from_db()
    assert need.title != "Sneaky"

"""The rules about profiles and needs, written once in residents.services."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from platform_core.models import User
from platform_core.phones import phone_normalise
from platform_core.tests.factories import UserFactory
from residents.models import Need
from residents.selectors import need_list_open_for_matching
from residents.services import (
    need_cancel,
    need_create_posted,
    need_draft_create,
    need_expire_overdue,
    need_post,
    need_update,
    resident_save,
)
from residents.tasks import need_expire_overdue_task
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

PROFILE = {"full_name": "Grace Hopper", "address_line_1": "2 Eden Street", "postcode": "kt1 1eu"}


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def complete_fields(category) -> dict:
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return {
        "category": category,
        "title": "Shopping",
        "description": "Carry bags",
        "window_start": start,
        "window_end": start + timedelta(hours=2),
    }


# --- profile ----------------------------------------------------------------------


def test_saving_a_profile_geocodes_the_postcode_and_sets_the_users_council(council, kingston_postcodes):
    user = UserFactory(role=User.Role.RESIDENT)
    resident = resident_save(user=user, **PROFILE, phone="+44 (0)7700 900 123", consent_share_details=True)
    user.refresh_from_db()
    assert (resident.postcode, resident.latitude, resident.longitude) == ("KT1 1EU", 51.40772, -0.305939)
    assert resident.phone == "+447700900123"
    assert resident.consent_given_at is not None
    assert user.council == council
    assert user.full_name == "Grace Hopper"


def test_unknown_unit_postcode_in_a_council_district_uses_the_district_centroid(council, kingston_postcodes):
    resident = resident_save(user=UserFactory(), **{**PROFILE, "postcode": "KT1 9ZZ"})
    assert (resident.latitude, resident.longitude) == (51.407566, -0.298182)


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("", "Enter a postcode"),
        ("12345", "Enter a real postcode, like KT1 1EU"),
        ("EH1 1AA", "This postcode is outside the areas we cover"),
    ],
)
def test_a_profile_postcode_must_be_real_and_inside_a_council(council, kingston_postcodes, postcode, message):
    with pytest.raises(ValidationError) as excinfo:
        resident_save(user=UserFactory(), **{**PROFILE, "postcode": postcode})
    assert message in errors_of(excinfo)["postcode"][0]


def test_a_profile_collects_every_error_at_once(council, kingston_postcodes):
    with pytest.raises(ValidationError) as excinfo:
        resident_save(user=UserFactory(), full_name="", address_line_1="", postcode="nope", phone="12")
    assert set(errors_of(excinfo)) == {"full_name", "address_line_1", "postcode", "phone"}


def test_asking_to_be_texted_needs_a_phone_number(council, kingston_postcodes):
    with pytest.raises(ValidationError) as excinfo:
        resident_save(user=UserFactory(), **PROFILE, contact_preference="text")
    assert "Enter a phone number" in errors_of(excinfo)["phone"][0]


def test_withdrawing_consent_clears_when_it_was_given(resident):
    resident_save(user=resident.user, **PROFILE, consent_share_details=False)
    resident.refresh_from_db()
    assert (resident.consent_share_details, resident.consent_given_at) == (False, None)


def test_a_provider_member_may_have_a_resident_profile_too(council, kingston_postcodes):
    """A volunteer who also needs help (issue 9): one person, both sides."""
    assert resident_save(user=UserFactory(role=User.Role.PROVIDER), **PROFILE).pk is not None


def test_an_officer_cannot_have_a_resident_profile(council, kingston_postcodes):
    with pytest.raises(ValidationError):
        resident_save(user=UserFactory(role=User.Role.OFFICER, council=council), **PROFILE)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        ("+44 (0)7700 900 123", "+447700900123"),
        ("0044 20 7946 0000", "+442079460000"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed, stored):
    assert phone_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["12", "12345", "0770090012345", "call me", "+33 1"])
def test_other_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        phone_normalise(typed)


def test_asking_for_texts_needs_a_mobile_number(council, kingston_postcodes):
    with pytest.raises(ValidationError) as excinfo:
        resident_save(user=UserFactory(), **PROFILE, phone="020 7946 0000", contact_preference="text")
    assert "Enter a mobile phone number to get text messages" in errors_of(excinfo)["phone"][0]


# --- needs ---------------------------------------------------------------------------


def test_posting_opens_the_need_and_tells_the_market_after_commit(resident, categories):
    need = need_draft_create(resident=resident, **complete_fields(categories[0]))
    with mock.patch("residents.services.market_changed") as announced:
        need = need_post(need=need)
    assert need.status == Need.Status.OPEN
    assert need.posted_at is not None
    announced.assert_called_once_with(council_id=resident.council_id)


def test_market_changed_publishes_only_after_commit(resident, categories, django_capture_on_commit_callbacks):
    need = need_draft_create(resident=resident, **complete_fields(categories[0]))
    with (
        mock.patch("platform_core.services.send_task_safely") as send,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        need_post(need=need)
        assert not send.called
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": None}, "category"),
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"window_start": None, "window_end": None}, "window_start"),
    ],
)
def test_posting_refuses_an_incomplete_need(resident, categories, change, field):
    need = need_draft_create(resident=resident, **{**complete_fields(categories[0]), **change})
    with pytest.raises(ValidationError) as excinfo:
        need_post(need=need)
    assert field in errors_of(excinfo)
    need.refresh_from_db()
    assert need.status == Need.Status.DRAFT


def test_the_window_must_end_after_it_starts(resident, categories):
    fields = complete_fields(categories[0])
    with pytest.raises(ValidationError) as excinfo:
        need_draft_create(resident=resident, **{**fields, "window_end": fields["window_start"]})
    assert "window_end" in errors_of(excinfo)


def test_the_window_must_be_in_the_future(resident, categories):
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        need_create_posted(
            resident=resident,
            **{**complete_fields(categories[0]), "window_start": past, "window_end": past + timedelta(hours=1)},
        )
    assert "window_start" in errors_of(excinfo)
    assert not Need.objects.exists()


def test_a_weekly_need_needs_at_least_one_slot(resident, categories):
    need = need_draft_create(resident=resident, category=categories[0], title="t", description="d", timing="weekly")
    with pytest.raises(ValidationError) as excinfo:
        need_post(need=need)
    assert "weekly_slots" in errors_of(excinfo)


def test_weekly_slots_must_be_real_slots(resident, categories):
    with pytest.raises(ValidationError):
        need_draft_create(resident=resident, timing="weekly", weekly_slots=[21])


def test_switching_to_weekly_drops_the_one_off_window(resident, categories):
    need = need_draft_create(resident=resident, **complete_fields(categories[0]))
    need = need_update(need=need, timing="weekly", weekly_slots=[3, 3, 1])
    assert (need.window_start, need.window_end, need.weekly_slots) == (None, None, [1, 3])


def test_a_category_of_another_council_is_refused(resident, other_council):
    from platform_core.tests.factories import ServiceCategoryFactory

    with pytest.raises(ValidationError) as excinfo:
        need_draft_create(resident=resident, category=ServiceCategoryFactory(council=other_council))
    assert "category" in errors_of(excinfo)


def test_a_need_elsewhere_must_be_inside_the_residents_council(resident, other_council):
    with pytest.raises(ValidationError) as excinfo:
        need_draft_create(resident=resident, use_home_address=False, postcode="SM1 1AA")
    assert "Royal Borough of Kingston upon Thames" in errors_of(excinfo)["postcode"][0]


def test_editing_an_open_need_keeps_it_complete_and_tells_the_market(resident):
    need = NeedFactory(resident=resident)
    with pytest.raises(ValidationError):
        need_update(need=need, title="")
    with mock.patch("residents.services.market_changed") as announced:
        need_update(need=need, title="Better title")
    announced.assert_called_once_with(council_id=need.council_id)


@pytest.mark.parametrize("status", [Need.Status.PROPOSED, Need.Status.MATCHED, Need.Status.CANCELLED])
def test_only_drafts_and_open_needs_can_be_edited(resident, status):
    need = NeedFactory(resident=resident, status=status)
    with pytest.raises(ValidationError):
        need_update(need=need, title="Nope")


@pytest.mark.parametrize("status", [Need.Status.DRAFT, Need.Status.OPEN, Need.Status.PROPOSED])
def test_drafts_open_and_proposed_needs_can_be_cancelled_with_a_reason(resident, status):
    need = NeedFactory(resident=resident, status=status)
    need = need_cancel(need=need, reason="Family helped")
    assert (need.status, need.status_reason) == (Need.Status.CANCELLED, "Family helped")
    assert need.closed_at is not None


@pytest.mark.parametrize("status", [Need.Status.MATCHED, Need.Status.COMPLETED, Need.Status.EXPIRED])
def test_later_needs_cannot_be_cancelled_here(resident, status):
    need = NeedFactory(resident=resident, status=status)
    with pytest.raises(ValidationError):
        need_cancel(need=need, reason="Changed my mind")
    need.refresh_from_db()
    assert need.status == status


def test_cancelling_needs_a_reason(resident):
    need = NeedFactory(resident=resident)
    with pytest.raises(ValidationError) as excinfo:
        need_cancel(need=need, reason="   ")
    assert "reason" in errors_of(excinfo)


def test_expiry_moves_only_overdue_one_off_open_or_proposed_needs_and_twice_is_harmless(resident):
    past = timezone.now() - timedelta(days=2)
    overdue_open = NeedFactory(resident=resident, window_start=past, window_end=past + timedelta(hours=1))
    overdue_proposed = NeedFactory(
        resident=resident, status=Need.Status.PROPOSED, window_start=past, window_end=past + timedelta(hours=1)
    )
    overdue_matched = NeedFactory(
        resident=resident, status=Need.Status.MATCHED, window_start=past, window_end=past + timedelta(hours=1)
    )
    overdue_draft = NeedFactory(
        resident=resident, status=Need.Status.DRAFT, window_start=past, window_end=past + timedelta(hours=1)
    )
    weekly = NeedFactory(resident=resident, timing="weekly", window_start=None, window_end=None, weekly_slots=[1])
    future = NeedFactory(resident=resident)

    assert need_expire_overdue_task() == 2
    assert need_expire_overdue_task() == 0
    statuses = {n.pk: n.status for n in Need.objects.all()}
    assert statuses[overdue_open.pk] == statuses[overdue_proposed.pk] == Need.Status.EXPIRED
    assert statuses[overdue_matched.pk] == Need.Status.MATCHED
    assert statuses[overdue_draft.pk] == Need.Status.DRAFT
    assert statuses[weekly.pk] == statuses[future.pk] == Need.Status.OPEN


def test_expiry_of_needs_with_a_proposal_is_one_update_per_timing(resident, django_assert_num_queries):
    """(A need still waiting for a match is moved on its own, to tell its resident: issue 9.)"""
    past = timezone.now() - timedelta(days=2)
    NeedFactory.create_batch(
        3, resident=resident, window_start=past, window_end=past + timedelta(hours=1), status=Need.Status.PROPOSED
    )
    with django_assert_num_queries(3):  # one-off, weekly, and the look for needs still waiting
        assert need_expire_overdue() == 3


def test_the_market_selector_lists_only_a_councils_open_needs(resident, other_council, django_assert_num_queries):
    open_need = NeedFactory(resident=resident)
    NeedFactory(resident=resident, status=Need.Status.DRAFT)
    NeedFactory(resident=resident, status=Need.Status.PROPOSED)
    NeedFactory(resident__council=other_council)
    with django_assert_num_queries(1):
        needs = list(need_list_open_for_matching(council=resident.council))
        assert [n.category.name for n in needs] == [open_need.category.name]


@pytest.mark.postgres
def test_row_locks_work_on_postgresql_with_a_nullable_category(resident, categories):
    """PostgreSQL refuses FOR UPDATE on the nullable side of a join unless the lock names the need only."""
    need = need_draft_create(resident=resident)
    need = need_update(need=need, **complete_fields(categories[0]))
    assert need_post(need=need).status == Need.Status.OPEN

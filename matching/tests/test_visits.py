"""Ongoing help: a confirmed weekly match becomes visits; the provider records
them, the resident may dispute them, either side pauses or ends them, and missed
visits reach the resident and, after the council's number in a row, its officers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching import services
from matching.models import Arrangement, Match, Visit
from matching.services import visits as visit_services
from platform_core.availability import slot_occurrences
from platform_core.models import MarketRule, Notification
from platform_core.tests.factories import OfficerFactory
from providers.models import Offer
from residents.tests.factories import NeedFactory

from .factories import MatchFactory

pytestmark = pytest.mark.django_db

MON_WED_FRI_MORNINGS = [0, 6, 12]


@pytest.fixture
def weekly_need(resident, category):
    # Six whole weeks from tomorrow (the first day visits may come): 42 days hold each weekday six times.
    return NeedFactory(
        resident=resident,
        category=category,
        weekly=True,
        weekly_slots=MON_WED_FRI_MORNINGS,
        ends_on=timezone.localdate() + timedelta(days=42),
    )


@pytest.fixture
def confirmed(weekly_need, offer, provider_user, resident_user):
    match = MatchFactory(need=weekly_need, offer=offer)
    match = services.match_accept(match=match, user=provider_user)
    return services.match_confirm(match=match, user=resident_user)


def _visits(match) -> list[Visit]:
    return list(Visit.objects.filter(match=match).order_by("starts_at"))


def _past(match, n: int = 1) -> list[Visit]:
    """Move the first n visits into the past (a week apart, most recent last) so they can be recorded."""
    visits = _visits(match)[:n]
    for i, visit in enumerate(visits):
        start = timezone.now() - timedelta(days=7 * (n - i), hours=1)
        Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + timedelta(hours=4))
        visit.refresh_from_db()
    return visits


# --- generation ---------------------------------------------------------------------------------------


def test_a_weekly_need_for_six_weeks_three_days_a_week_produces_18_visits(confirmed):
    visits = _visits(confirmed)
    assert len(visits) == 18
    assert {timezone.localtime(v.starts_at).weekday() for v in visits} == {0, 2, 4}
    assert all(timezone.localtime(v.starts_at).hour == 8 for v in visits)
    assert all(v.status == Visit.Status.SCHEDULED for v in visits)
    assert timezone.localtime(visits[0].starts_at).date() > timezone.localdate()
    assert confirmed.arrangement.slots == MON_WED_FRI_MORNINGS


def test_generating_again_adds_nothing(confirmed):
    assert visit_services.visits_generate(arrangement=confirmed.arrangement) == 0
    assert visit_services.arrangement_start(match=confirmed) == confirmed.arrangement
    assert Visit.objects.filter(match=confirmed).count() == 18
    assert Arrangement.objects.filter(match=confirmed).count() == 1


def test_a_number_of_visits_ends_the_pattern(resident, category, offer, provider_user, resident_user):
    need = NeedFactory(resident=resident, category=category, weekly=True, weekly_slots=[1], ends_on=None, visit_count=5)
    match = services.match_accept(match=MatchFactory(need=need, offer=offer), user=provider_user)
    match = services.match_confirm(match=match, user=resident_user)
    assert len(_visits(match)) == 5


def test_visits_come_only_at_the_times_the_offer_covers(weekly_need, make_provider, provider_user, resident_user):
    offer, member = make_provider(weekly_slots=[0, 12, 20])
    match = services.match_accept(match=MatchFactory(need=weekly_need, offer=offer), user=member)
    match = services.match_confirm(match=match, user=resident_user)
    assert match.arrangement.slots == [0, 12]
    assert len(_visits(match)) == 12


def test_a_one_off_need_has_no_visits(proposal, provider_user, resident_user):
    match = services.match_confirm(match=services.match_accept(match=proposal, user=provider_user), user=resident_user)
    assert not Visit.objects.filter(match=match).exists()
    assert not Arrangement.objects.filter(match=match).exists()


def test_every_other_week_skips_the_weeks_between():
    monday = date(2027, 1, 4)
    found = slot_occurrences(slots=[0, 6], first_day=monday, every_weeks=2, last_day=monday + timedelta(weeks=6))
    assert [d for d, _slot in found] == [
        date(2027, 1, 4),
        date(2027, 1, 6),
        date(2027, 1, 18),
        date(2027, 1, 20),
        date(2027, 2, 1),
        date(2027, 2, 3),
        date(2027, 2, 15),
    ]


def test_an_open_pattern_still_ends_within_a_year():
    found = slot_occurrences(slots=list(range(21)), first_day=date(2027, 1, 4))
    assert found[-1][0] == date(2027, 1, 4) + timedelta(days=366)
    assert 21 * 52 <= len(found) <= 21 * 53


# --- recording ----------------------------------------------------------------------------------------


def test_the_provider_marks_a_visit_done(confirmed, provider_user):
    visit = _past(confirmed)[0]
    visit = visit_services.visit_record(visit=visit, user=provider_user, outcome="done")
    assert visit.status == Visit.Status.DONE
    assert visit.recorded_by == provider_user
    assert visit.minutes_spent is None  # a free offer need not say


def test_a_paid_offer_must_say_the_time_spent(confirmed, provider_user):
    Offer.objects.filter(pk=confirmed.offer_id).update(cost_type=Offer.CostType.PER_HOUR, price_pence=1500)
    confirmed.offer.refresh_from_db()
    visit = _past(confirmed)[0]
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_record(visit=visit, user=provider_user, outcome="done")
    assert "minutes" in excinfo.value.message_dict
    with pytest.raises(ValidationError, match="between 1 and 720"):
        visit_services.visit_record(visit=visit, user=provider_user, outcome="done", minutes=100000)
    visit = visit_services.visit_record(visit=visit, user=provider_user, outcome="done", minutes=75)
    assert visit.minutes_spent == 75


def test_a_visit_to_come_cannot_be_marked_done_or_missed_but_can_be_cancelled(confirmed, provider_user, resident_user):
    visit = _visits(confirmed)[-1]
    with pytest.raises(ValidationError, match="once its time has come"):
        visit_services.visit_record(visit=visit, user=provider_user, outcome="done")
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_record(visit=visit, user=provider_user, outcome="cancelled")
    assert "reason" in excinfo.value.message_dict
    visit = visit_services.visit_record(
        visit=visit, user=provider_user, outcome="cancelled", reason="Van in for repair"
    )
    assert (visit.status, visit.cancelled_by) == (Visit.Status.CANCELLED, Match.Party.PROVIDER)
    assert Notification.objects.filter(user=resident_user, kind="visit.cancelled_by_provider").exists()


def test_a_visit_is_recorded_once(confirmed, provider_user):
    visit = _past(confirmed)[0]
    visit_services.visit_record(visit=visit, user=provider_user, outcome="done")
    with pytest.raises(ValidationError, match="already been recorded"):
        visit_services.visit_record(visit=visit, user=provider_user, outcome="missed", reason="Mistake")


def test_only_the_provider_records_a_visit(confirmed, resident_user, stranger):
    visit = _past(confirmed)[0]
    for user in (resident_user, stranger):
        with pytest.raises(PermissionDenied):
            visit_services.visit_record(visit=visit, user=user, outcome="done")


def test_an_unknown_outcome_is_refused(confirmed, provider_user):
    with pytest.raises(ValidationError, match="Select what happened"):
        visit_services.visit_record(visit=_past(confirmed)[0], user=provider_user, outcome="teleported")


def test_a_missed_visit_tells_the_resident(confirmed, provider_user, resident_user):
    visit = _past(confirmed)[0]
    visit_services.visit_record(visit=visit, user=provider_user, outcome="missed", reason="Volunteer was ill")
    notice = Notification.objects.get(user=resident_user, kind="visit.missed")
    assert "did not come" in notice.message
    assert notice.url == f"/matches/{confirmed.pk}/visits/"


# --- disputes -----------------------------------------------------------------------------------------


def test_the_resident_says_a_visit_marked_done_did_not_happen(confirmed, provider_user, resident_user):
    visit = _past(confirmed)[0]
    visit_services.visit_record(visit=visit, user=provider_user, outcome="done")
    visit = visit_services.visit_dispute(visit=visit, user=resident_user, reason="Nobody came")
    assert visit.is_disputed and visit.counts_as_missed
    assert visit.status == Visit.Status.DONE  # the provider's record stays; the dispute sits beside it
    assert Notification.objects.filter(user=provider_user, kind="visit.disputed").exists()
    with pytest.raises(ValidationError, match="already recorded"):
        visit_services.visit_dispute(visit=visit, user=resident_user, reason="Again")


def test_a_visit_to_come_cannot_be_disputed(confirmed, resident_user):
    with pytest.raises(ValidationError, match="once its time has come"):
        visit_services.visit_dispute(visit=_visits(confirmed)[-1], user=resident_user, reason="Nobody came")


def test_only_the_resident_disputes(confirmed, provider_user):
    with pytest.raises(PermissionDenied):
        visit_services.visit_dispute(visit=_past(confirmed)[0], user=provider_user, reason="x")


def test_a_dispute_needs_a_reason(confirmed, resident_user):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_dispute(visit=_past(confirmed)[0], user=resident_user, reason="  ")
    assert "reason" in excinfo.value.message_dict


# --- missed visits in a row ---------------------------------------------------------------------------


@pytest.fixture
def officers(council):
    return [OfficerFactory(council=council), OfficerFactory(council=council)]


def _alerts():
    return Notification.objects.filter(kind="arrangement.missed_in_a_row")


def test_missed_visits_in_a_row_alert_the_councils_officers_once(confirmed, provider_user, officers, council):
    MarketRule.objects.update_or_create(council=council, defaults={"missed_visits_alert_after": 2})
    first, second, third, fourth, fifth = _past(confirmed, 5)
    visit_services.visit_record(visit=first, user=provider_user, outcome="missed", reason="Ill")
    assert not _alerts().exists()
    visit_services.visit_record(visit=second, user=provider_user, outcome="missed", reason="Ill")
    assert sorted(_alerts().values_list("user_id", flat=True)) == sorted(o.pk for o in officers)
    assert "2 visits in a row" in _alerts().first().message
    visit_services.visit_record(visit=third, user=provider_user, outcome="missed", reason="Ill")
    assert _alerts().count() == 2  # once per run of misses, not once per miss
    # A visit done ends the run; the next run alerts again.
    visit_services.visit_record(visit=fourth, user=provider_user, outcome="done")
    confirmed.arrangement.refresh_from_db()
    assert confirmed.arrangement.missed_alerted_at is None
    visit_services.visit_record(visit=fifth, user=provider_user, outcome="missed", reason="Ill")
    assert _alerts().count() == 2


def test_disputed_visits_count_towards_the_run(confirmed, provider_user, resident_user, officers, council):
    MarketRule.objects.update_or_create(council=council, defaults={"missed_visits_alert_after": 2})
    first, second = _past(confirmed, 2)
    visit_services.visit_record(visit=first, user=provider_user, outcome="done")
    visit_services.visit_record(visit=second, user=provider_user, outcome="missed", reason="Ill")
    assert not _alerts().exists()
    visit_services.visit_dispute(visit=first, user=resident_user, reason="Nobody came")
    assert _alerts().count() == 2
    assert visit_services.missed_streak(match=confirmed) == 2


def test_other_councils_officers_hear_nothing(confirmed, provider_user, other_officer, council):
    MarketRule.objects.update_or_create(council=council, defaults={"missed_visits_alert_after": 1})
    visit_services.visit_record(visit=_past(confirmed)[0], user=provider_user, outcome="missed", reason="Ill")
    assert not _alerts().filter(user=other_officer).exists()


# --- pausing and ending -------------------------------------------------------------------------------


def test_the_resident_pauses_from_today_and_the_visits_in_between_are_cancelled(
    confirmed, resident_user, provider_user
):
    today = timezone.localdate()
    last = today + timedelta(days=13)
    # Visits start the day after confirmation, so two weeks from today hold 5 or 6 of the
    # Monday, Wednesday and Friday visits, depending on the weekday the test runs.
    in_pause = {v.pk for v in _visits(confirmed) if today <= timezone.localtime(v.starts_at).date() <= last}
    assert len(in_pause) in (5, 6)
    arrangement = visit_services.arrangement_pause(
        arrangement=confirmed.arrangement,
        user=resident_user,
        starts_on=today,
        ends_on=last,
        reason="In hospital",
    )
    assert arrangement.paused_by == Match.Party.RESIDENT
    cancelled = Visit.objects.filter(match=confirmed, status=Visit.Status.CANCELLED)
    assert set(cancelled.values_list("pk", flat=True)) == in_pause
    assert all(v.reason == "Paused: In hospital" for v in cancelled)
    assert Visit.objects.filter(match=confirmed, status=Visit.Status.SCHEDULED).count() == 18 - len(in_pause)
    assert Notification.objects.filter(user=provider_user, kind="arrangement.paused_to_provider").exists()


def test_the_provider_pauses_only_with_the_councils_notice(confirmed, provider_user, resident_user, council):
    MarketRule.objects.update_or_create(council=council, defaults={"visit_notice_days": 7})
    today = timezone.localdate()
    with pytest.raises(ValidationError) as excinfo:
        visit_services.arrangement_pause(
            arrangement=confirmed.arrangement,
            user=provider_user,
            starts_on=today + timedelta(days=3),
            ends_on=today + timedelta(days=10),
            reason="Holiday",
        )
    assert "notice" in excinfo.value.message_dict["starts_on"][0]
    visit_services.arrangement_pause(
        arrangement=confirmed.arrangement,
        user=provider_user,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=10),
        reason="Holiday",
    )
    assert Notification.objects.filter(user=resident_user, kind="arrangement.paused_to_resident").exists()


def test_a_pause_must_end_after_it_starts_and_within_a_year(confirmed, resident_user):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as excinfo:
        visit_services.arrangement_pause(
            arrangement=confirmed.arrangement,
            user=resident_user,
            starts_on=today,
            ends_on=today - timedelta(1),
            reason="x",
        )
    assert "ends_on" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        visit_services.arrangement_pause(
            arrangement=confirmed.arrangement,
            user=resident_user,
            starts_on=today,
            ends_on=date(9999, 12, 31),
            reason="x",
        )
    assert "ends_on" in excinfo.value.message_dict


def test_ending_cancels_the_visits_after_the_last_day(confirmed, resident_user, provider_user):
    last_day = timezone.localdate() + timedelta(days=14)
    visit_services.arrangement_end(
        arrangement=confirmed.arrangement, user=resident_user, last_day=last_day, reason="Moving away"
    )
    remaining = Visit.objects.filter(match=confirmed, status=Visit.Status.SCHEDULED)
    assert remaining.count() == 6
    assert all(timezone.localtime(v.starts_at).date() <= last_day for v in remaining)
    assert Notification.objects.filter(user=provider_user, kind="arrangement.ended_to_provider").exists()
    with pytest.raises(ValidationError, match="have ended"):
        visit_services.arrangement_end(
            arrangement=confirmed.arrangement, user=resident_user, last_day=last_day, reason="Again"
        )


def test_the_provider_ends_only_with_the_councils_notice(confirmed, provider_user, council):
    MarketRule.objects.update_or_create(council=council, defaults={"visit_notice_days": 14})
    with pytest.raises(ValidationError) as excinfo:
        visit_services.arrangement_end(
            arrangement=confirmed.arrangement,
            user=provider_user,
            last_day=timezone.localdate() + timedelta(days=7),
            reason="Closing",
        )
    assert "last_day" in excinfo.value.message_dict


def test_a_stranger_cannot_pause_or_end(confirmed, stranger):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        visit_services.arrangement_pause(
            arrangement=confirmed.arrangement, user=stranger, starts_on=today, ends_on=today, reason="x"
        )
    with pytest.raises(PermissionDenied):
        visit_services.arrangement_end(arrangement=confirmed.arrangement, user=stranger, last_day=today, reason="x")


def test_cancelling_the_match_cancels_the_visits_to_come(confirmed, resident_user):
    services.match_cancel(match=confirmed, user=resident_user, reason="Found help elsewhere")
    assert not Visit.objects.filter(match=confirmed, status=Visit.Status.SCHEDULED).exists()


# --- reminders ----------------------------------------------------------------------------------------


def test_the_day_before_a_planned_visit_both_sides_are_reminded_once(
    confirmed, resident_user, provider_user, settings, django_capture_on_commit_callbacks
):
    settings.VISIT_REMINDER_HOUR = 0
    first = _visits(confirmed)[0]
    day_before = timezone.localtime(first.starts_at) - timedelta(days=1)
    now = day_before.replace(hour=12)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.visit_reminders_send(now=now) == 1
        assert services.visit_reminders_send(now=now + timedelta(minutes=15)) == 0
    assert Notification.objects.filter(user=resident_user, kind="visit.reminder_to_resident").count() == 1
    assert Notification.objects.filter(user=provider_user, kind="visit.reminder_to_provider").count() == 1
    first.refresh_from_db()
    assert first.reminder_sent_at == now


def test_a_cancelled_visit_is_not_reminded(confirmed, provider_user, resident_user, settings):
    settings.VISIT_REMINDER_HOUR = 0
    first = _visits(confirmed)[0]
    visit_services.visit_record(visit=first, user=provider_user, outcome="cancelled", reason="Snow")
    now = (timezone.localtime(first.starts_at) - timedelta(days=1)).replace(hour=12)
    assert services.visit_reminders_send(now=now) == 0


# --- your data ----------------------------------------------------------------------------------------


def test_the_residents_data_export_holds_their_visits(confirmed, provider_user, resident_user):
    from platform_core.privacy import personal_data_export

    visit = _past(confirmed)[0]
    visit_services.visit_record(visit=visit, user=provider_user, outcome="done", minutes=40)
    visit_services.visit_dispute(visit=visit, user=resident_user, reason="Nobody came at all")
    exported = personal_data_export(user=resident_user)
    visits = [v for section in exported.values() if isinstance(section, dict) for v in section.get("visits", [])]
    assert len(visits) == 18
    assert any(v["dispute_reason"] == "Nobody came at all" and v["minutes_spent"] == 40 for v in visits)


def test_erasing_the_resident_blanks_what_was_written_about_their_visits_and_cancels_those_to_come(
    confirmed, provider_user, resident_user
):
    from platform_core.privacy import account_erase

    first, second = _past(confirmed, 2)
    visit_services.visit_record(visit=first, user=provider_user, outcome="missed", reason="She was in hospital")
    visit_services.visit_dispute(visit=second, user=resident_user, reason="My neighbour saw nobody")
    account_erase(user=resident_user)
    assert not Visit.objects.filter(reason__contains="hospital").exists()
    assert not Visit.objects.filter(dispute_reason__contains="neighbour").exists()
    assert not Visit.objects.filter(
        match=confirmed, status=Visit.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).exists()
    assert Visit.objects.filter(match=confirmed).count() == 18  # the rows stay for the statistics

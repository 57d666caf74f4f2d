"""The day before a confirmed one-off visit, both sides get one reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from matching.notifications import VISIT_REMINDER_TO_PROVIDER, VISIT_REMINDER_TO_RESIDENT
from matching.services import visit_reminders_send
from matching.tasks import visit_reminders_send_task
from matching.tests.factories import MatchFactory
from platform_core.models import Notification
from providers.tests.factories import ProviderMemberFactory
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, London time (GMT in winter)."""
    return timezone.make_aware(datetime(2026, 12, day, hour, minute), timezone.get_default_timezone())


def confirmed_visit(start: datetime, **need):
    need_row = NeedFactory(window_start=start, window_end=start + timedelta(hours=2), **need)
    match = MatchFactory(need=need_row, confirmed=True)
    ProviderMemberFactory(provider=match.offer.provider)
    return match


def reminders() -> list[tuple[str, str]]:
    return list(Notification.objects.order_by("kind").values_list("kind", "message"))


def test_a_confirmed_visit_tomorrow_produces_one_reminder_for_each_side(django_capture_on_commit_callbacks):
    match = confirmed_visit(at(3, 14))
    with django_capture_on_commit_callbacks(execute=True):
        assert visit_reminders_send(now=at(2, 10, 15)) == 1
    sent = reminders()
    assert [kind for kind, _ in sent] == [VISIT_REMINDER_TO_PROVIDER.code, VISIT_REMINDER_TO_RESIDENT.code]
    assert "tomorrow, Thursday 3 December, 2pm to 4pm" in sent[1][1]
    assert Notification.objects.get(kind=VISIT_REMINDER_TO_RESIDENT.code).user == match.need.resident.user
    match.refresh_from_db()
    assert match.reminder_sent_at == at(2, 10, 15)


def test_the_reminder_is_sent_once_however_often_the_beat_runs(django_capture_on_commit_callbacks):
    confirmed_visit(at(3, 14))
    with django_capture_on_commit_callbacks(execute=True):
        assert visit_reminders_send(now=at(2, 10, 15)) == 1
        assert visit_reminders_send(now=at(2, 10, 30)) == 0
        assert visit_reminders_send(now=at(2, 18, 0)) == 0
    assert len(reminders()) == 2


def test_no_reminder_before_the_reminder_hour(settings):
    settings.VISIT_REMINDER_HOUR = 10
    confirmed_visit(at(3, 9))
    assert visit_reminders_send(now=at(2, 9, 59)) == 0
    assert visit_reminders_send(now=at(2, 10, 0)) == 1


@pytest.mark.parametrize(
    "trait",
    [{"accepted": True}, {"completed": True}, {"cancelled": True}, {}],
    ids=["accepted-not-confirmed", "completed", "cancelled", "proposed"],
)
def test_no_reminder_for_a_match_that_is_not_confirmed(trait):
    need = NeedFactory(window_start=at(3, 14), window_end=at(3, 16))
    MatchFactory(need=need, **trait)
    assert visit_reminders_send(now=at(2, 11)) == 0


def test_no_reminder_for_a_visit_today_or_the_day_after_tomorrow():
    confirmed_visit(at(2, 15))
    confirmed_visit(at(4, 9))
    assert visit_reminders_send(now=at(2, 11)) == 0


def test_a_visit_just_after_midnight_is_tomorrows():
    confirmed_visit(at(3, 0, 30))
    assert visit_reminders_send(now=at(2, 23)) == 1


def test_the_beat_task_sends_them(monkeypatch):
    confirmed_visit(at(3, 14))
    monkeypatch.setattr(timezone, "now", lambda: at(2, 12))
    assert visit_reminders_send_task.apply().get() == 1

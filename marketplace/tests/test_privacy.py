"""The market's part of "Your data": reports and flags go, safeguarding records stay."""

import pytest

from marketplace.models import ModerationFlag, Report, SafeguardingConcern, TargetType
from marketplace.services.moderation import report_create
from marketplace.tests.factories import ModerationFlagFactory
from platform_core.privacy import account_erase, personal_data_export

pytestmark = pytest.mark.django_db

REASON = "This offer asks people to ring 07700 900456 and pay cash"


@pytest.fixture
def reported(market):
    report = report_create(
        reporter=market.resident.user, target_type=TargetType.OFFER, target_id=market.offer.pk, reason=REASON
    )
    flag = ModerationFlagFactory(need=market.need, cause=ModerationFlag.Cause.PHONE, detail="07700 900123")
    return report, flag


def test_export_holds_the_reports_and_concerns_a_person_raised(market, reported):
    data = personal_data_export(user=market.resident.user)["marketplace"]
    assert [r["reason"] for r in data["reports"]] == [REASON]
    assert [c["description"] for c in data["safeguarding_concerns_raised"]] == [market.concern.description]


def test_export_of_someone_else_holds_none_of_it(market, reported):
    data = personal_data_export(user=market.member)["marketplace"]
    assert data == {"reports": [], "safeguarding_concerns_raised": []}


def test_erasure_empties_reports_and_flags_but_keeps_the_safeguarding_record(market, reported):
    report, flag = reported
    account_erase(user=market.resident.user)
    report.refresh_from_db()
    flag.refresh_from_db()
    assert (report.reason, report.reporter_id) == ("", None)
    assert flag.detail == ""
    assert Report.objects.count() == 1
    concern = SafeguardingConcern.objects.get(pk=market.concern.pk)
    assert concern.description == market.concern.description

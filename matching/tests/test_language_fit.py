"""The engine's language fit works on ISO 639 codes: a need that asks for Welsh
is proposed to the helper who speaks Welsh, however either side wrote it."""

from __future__ import annotations

import pytest

from matching.models import Match
from matching.runner import match_council_run
from residents.services import need_update
from residents.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def _proposed_offer(need) -> int:
    match_council_run(council_id=need.council_id)
    return Match.objects.get(need=need).offer_id


@pytest.mark.parametrize("typed", ["Welsh", "cymraeg", "cy"])
def test_a_need_asking_for_welsh_goes_to_the_helper_who_speaks_it(typed, resident, category, make_provider):
    english, _ = make_provider(languages=["en"])
    welsh, _ = make_provider(languages=["cy", "en"])
    need = NeedFactory(resident=resident, category=category, status="draft")
    need_update(need=need, language=typed)
    need.refresh_from_db()
    assert need.language == "cy"
    need.status = "open"
    need.save(update_fields=["status"])
    assert _proposed_offer(need) == welsh.pk
    assert english.pk != welsh.pk


def test_without_a_language_asked_for_either_helper_may_be_proposed(resident, category, make_provider):
    make_provider(languages=["cy"])
    need = NeedFactory(resident=resident, category=category, language="")
    match_council_run(council_id=need.council_id)
    assert Match.objects.filter(need=need).count() == 1


def test_a_language_nobody_knows_is_refused_with_a_message(resident, category):
    from django.core.exceptions import ValidationError

    need = NeedFactory(resident=resident, category=category, status="draft")
    with pytest.raises(ValidationError) as refused:
        need_update(need=need, language="Klingonese")
    assert "Klingonese" in refused.value.message_dict["language"][0]

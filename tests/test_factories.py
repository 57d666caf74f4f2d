"""Every model has a factory, every factory makes a valid row, and matches can
be made in every state with the rows around them as the services leave them."""

from __future__ import annotations

import importlib
import inspect

import factory
import pytest
from django.apps import apps

from matching.models import Match
from matching.tests.factories import MatchFactory
from residents.models import Need

pytestmark = pytest.mark.django_db

APPS = ["platform_core", "residents", "providers", "matching", "marketplace"]


def _factories() -> dict[type, list[type]]:
    found: dict[type, list[type]] = {}
    for label in APPS:
        module = importlib.import_module(f"{label}.tests.factories")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, factory.django.DjangoModelFactory) and obj.__module__ == module.__name__:
                found.setdefault(obj._meta.model, []).append(obj)
    return found


FACTORIES = _factories()
ALL = sorted((f for fs in FACTORIES.values() for f in fs), key=lambda f: f.__name__)


def test_every_model_of_ours_has_a_factory():
    ours = {m for label in APPS for m in apps.get_app_config(label).get_models()}
    missing = sorted(m._meta.label for m in ours - set(FACTORIES))
    assert not missing, f"Add a factory for: {missing}"


@pytest.mark.parametrize("model_factory", ALL, ids=lambda f: f.__name__)
def test_each_factory_makes_a_row_that_passes_the_models_own_validation(model_factory):
    row = model_factory()
    row.refresh_from_db()
    # Unique checks would find the row itself; full_clean runs every field and constraint check.
    row.full_clean(validate_unique=False)


STATES = {
    "proposed": (Match.Status.PROPOSED, Need.Status.PROPOSED, 0),
    "accepted": (Match.Status.ACCEPTED, Need.Status.PROPOSED, 1),
    "confirmed": (Match.Status.CONFIRMED, Need.Status.MATCHED, 1),
    "done": (Match.Status.CONFIRMED, Need.Status.MATCHED, 1),
    "completed": (Match.Status.COMPLETED, Need.Status.COMPLETED, 0),
    "declined": (Match.Status.DECLINED, Need.Status.OPEN, 0),
    "expired": (Match.Status.EXPIRED, Need.Status.OPEN, 0),
    "cancelled": (Match.Status.CANCELLED, Need.Status.OPEN, 0),
}


@pytest.mark.parametrize("state", STATES)
def test_a_match_in_each_state_agrees_with_its_need_and_offer(state):
    status, need_status, held = STATES[state]
    match = MatchFactory(**({} if state == "proposed" else {state: True}))
    assert match.status == status
    assert match.need.status == need_status
    assert match.council_id == match.need.council_id == match.offer.council_id
    assert match.offer.categories.filter(pk=match.need.category_id).exists()
    assert match.offer.capacity - match.offer.capacity_left == held
    assert (match.consent_recorded_at is not None) == (state in ("confirmed", "done", "completed"))
    assert (match.closed_at is not None) == (
        status not in (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.CONFIRMED)
    )

"""One source of weights (issue 12) and one vocabulary (issue 13): a council's
default matching weights are the engine's defaults, under the engine's names,
and docs/matching.md quotes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps

from matching.engine import Policy
from matching.engine.score import TERM_NAMES
from matching.engine.weights import DEFAULT_WEIGHTS
from platform_core.models import MarketRule, default_weights
from platform_core.tests.factories import CouncilFactory

DOCS = Path(__file__).resolve().parents[2] / "docs" / "matching.md"


def test_a_councils_default_weights_are_the_engines():
    assert default_weights() == dict(DEFAULT_WEIGHTS)
    assert MarketRule().weights == dict(DEFAULT_WEIGHTS)
    assert set(default_weights()) == set(TERM_NAMES)
    assert {name: Policy().weight(name) for name in TERM_NAMES} == dict(DEFAULT_WEIGHTS)


def test_the_defaults_cannot_be_changed_by_accident():
    with pytest.raises(TypeError):
        DEFAULT_WEIGHTS["distance"] = 9.0  # type: ignore[index]
    default_weights()["distance"] = 9.0  # a council's copy is its own
    assert default_weights() == dict(DEFAULT_WEIGHTS)


@pytest.mark.django_db
def test_a_councils_stored_weights_reach_the_engine_under_the_same_names():
    from matching.runner import _policy

    rule = MarketRule.objects.get(council=CouncilFactory())
    rule.weights = {**rule.weights, "waited": 3.5, "distance": 0.2, "retired-term": 1.0}
    policy = _policy(rule, {})
    assert policy.weight("waited") == 3.5 and policy.weight("distance") == 0.2
    assert "retired-term" not in policy.weights


def test_docs_quote_the_real_default_weights():
    rows = re.findall(r"^\| `(\w+)` \| .* \| ([0-9.]+) \|$", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert {name: float(value) for name, value in rows} == dict(DEFAULT_WEIGHTS)


@pytest.mark.django_db
def test_stored_rules_spelling_waiting_are_renamed_waited():
    from importlib import import_module

    migration = import_module("platform_core.migrations.0005_market_rule_weights_waited")
    council = CouncilFactory()
    rule = MarketRule.objects.get(council=council)
    old = {**dict(DEFAULT_WEIGHTS), "waiting": 2.5}
    del old["waited"]
    MarketRule.objects.filter(pk=rule.pk).update(weights=old)
    migration.forwards(apps, None)
    rule.refresh_from_db()
    assert "waiting" not in rule.weights and rule.weights["waited"] == 2.5
    migration.backwards(apps, None)
    rule.refresh_from_db()
    assert rule.weights["waiting"] == 2.5 and "waited" not in rule.weights

"""One money formatter, for services' messages and templates alike."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from platform_core.money import pence_from_pounds, pounds


@pytest.mark.parametrize(
    ("pence", "shown"),
    [(0, "£0.00"), (5, "£0.05"), (1250, "£12.50"), (123456, "£1,234.56"), (-250, "-£2.50"), (None, "")],
)
def test_pounds_shows_pence_as_pounds_and_pence(pence, shown):
    assert pounds(pence) == shown


def test_the_template_filter_is_the_same_formatter():
    html = Template("{% load money %}{{ price|pounds }}").render(Context({"price": 123456}))
    assert html == "£1,234.56"


@pytest.mark.parametrize(("typed", "pence"), [("12.5", 1250), ("0.01", 1), ("1234.56", 123456), (None, None)])
def test_typed_pounds_become_pence(typed, pence):
    assert pence_from_pounds(Decimal(typed) if typed is not None else None) == pence

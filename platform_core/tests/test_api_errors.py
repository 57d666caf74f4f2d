"""Every API error has one shape: {"error": {"code", "message", "fields"}}."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import exceptions

from platform_core.api import exception_handler


def _error(exc):
    return exception_handler(exc, {}).data["error"], exception_handler(exc, {}).status_code


def test_a_service_validation_error_is_a_400_with_its_fields():
    error, status = _error(ValidationError({"price_pence": ["The council's cap for Shopping is £15.00 per hour"]}))
    assert status == 400
    assert error["code"] == "invalid"
    assert error["fields"] == {"price_pence": ["The council's cap for Shopping is £15.00 per hour"]}
    assert error["message"] == "Check the highlighted fields."


def test_an_error_that_belongs_to_no_field_is_the_message():
    error, status = _error(ValidationError("This offer is no longer available"))
    assert status == 400
    assert error["message"] == "This offer is no longer available"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [(Http404(), 404, "not_found"), (exceptions.NotAuthenticated(), 401, "not_authenticated")],
)
def test_not_found_and_unauthenticated_have_their_own_codes(exc, status, code):
    error, got = _error(exc)
    assert (got, error["code"]) == (status, code)

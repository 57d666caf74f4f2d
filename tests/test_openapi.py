"""The OpenAPI 3 schema generates without warnings and validates."""

import pytest
from django.core.management import call_command
from django.urls import reverse


def test_openapi_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning into an error; --validate
    # checks the result against the OpenAPI 3 JSON schema.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "openapi: 3" in text
    for path in ("/api/v1/needs/", "/api/v1/offers/", "/api/v1/providers/", "/api/v1/matches/"):
        assert f"{path}:" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get(reverse("api-schema")).status_code == 200
    docs = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs

"""The Kingston demo: built once, idempotent, and its logins work."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from platform_core.models import Council, ServiceCategory, User
from providers.models import Offer, Provider
from residents.models import Need, Resident

pytestmark = pytest.mark.django_db

PASSWORD = "convene-demo-2026"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module (it takes seconds), inside a
    transaction rolled back after the module's last test, as Django's
    setUpTestData does; each test runs in a savepoint of it, so what a test
    writes goes when the test ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        # The tests' fast hasher, already for the demo's accounts (function-scoped fixtures run later).
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_postcodes", areas="KT", stdout=io.StringIO())
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts():
    return [m.objects.count() for m in (Council, ServiceCategory, User, Provider, Offer, Resident, Need)]


def test_seed_demo_builds_a_realistic_kingston(demo):
    council = Council.objects.get(slug="kingston")
    assert council.name == "Royal Borough of Kingston upon Thames"
    assert 15 <= council.categories.count() <= 20
    assert len({c.safeguarding_tier for c in council.categories.all()}) == 4
    assert 35 <= council.providers.count() <= 45
    assert set(council.providers.values_list("kind", flat=True)) == set(Provider.Kind.values)
    assert council.providers.exclude(verification_status=Provider.Verification.VERIFIED).exists()
    assert council.residents.count() == 200
    assert set(Need.objects.values_list("postcode", flat=True)[:50]) <= set(
        council.residents.values_list("postcode", flat=True)
    )
    for role in ("resident", "provider", "officer", "admin"):
        assert role in demo


def test_running_seed_demo_twice_changes_nothing(demo):
    before = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before


@pytest.mark.parametrize(
    "email",
    [
        "resident001@demo.convene.test",
        "provider01@demo.convene.test",
        "officer@demo.convene.test",
        "admin@demo.convene.test",
    ],
)
def test_demo_logins_work(client, demo, email):
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email=email)
    if user.is_officer or user.is_staff:
        # Officers and staff have two-factor: the password alone leads to the code page.
        assert "/2fa/" in response["Location"] or "authenticate" in response["Location"]
    else:
        assert int(client.session["_auth_user_id"]) == user.pk

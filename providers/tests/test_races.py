"""No lost updates: an officer's suspension always survives an owner's profile
edit that lands at the same moment (PostgreSQL, real threads).

The owner's thread loads the provider first, as the profile page does, and
both threads are then released together by a Barrier; each uses and closes its
own database connection. Before the fix, `provider_update` saved the whole
row it had loaded, so a suspension committed in between was written back to
"not suspended".
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection

from platform_core.models import User
from platform_core.tests.factories import ServiceCategoryFactory
from providers import services
from providers.models import Provider
from providers.tests.factories import ProviderFactory, ProviderMemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TRIES = 100


def _in_own_connection(work, barrier: threading.Barrier, errors: list[BaseException]):
    def run() -> None:
        try:
            work(barrier)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    return threading.Thread(target=run)


def test_suspension_always_survives_a_concurrent_profile_edit(council, kingston_postcodes, officer):
    provider = ProviderFactory(council=council, description="Before")
    owner_id = ProviderMemberFactory(provider=provider).user.pk
    officer_id = officer.pk
    lost = []
    for attempt in range(TRIES):
        Provider.objects.filter(pk=provider.pk).update(is_suspended=False, suspended_reason="")
        barrier = threading.Barrier(2, timeout=30)
        errors: list[BaseException] = []

        def edit(barrier: threading.Barrier, attempt: int = attempt) -> None:
            owner = User.objects.get(pk=owner_id)
            loaded = Provider.objects.get(pk=provider.pk)  # the page loads the provider, then the owner submits
            barrier.wait()
            services.provider_update(provider=loaded, user=owner, description=f"Edit {attempt}")

        def suspend(barrier: threading.Barrier) -> None:
            the_officer = User.objects.get(pk=officer_id)
            loaded = Provider.objects.get(pk=provider.pk)
            barrier.wait()
            services.provider_suspend(provider=loaded, officer=the_officer, reason="Safeguarding review")

        threads = [_in_own_connection(edit, barrier, errors), _in_own_connection(suspend, barrier, errors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        close_old_connections()
        assert not errors, errors
        provider.refresh_from_db()
        if not provider.is_suspended or provider.description != f"Edit {attempt}":
            lost.append((attempt, provider.is_suspended, provider.description))
    assert lost == [], f"{len(lost)} of {TRIES} tries lost an update: {lost[:5]}"


@pytest.mark.django_db
def test_an_offer_posted_from_a_page_loaded_before_a_suspension_is_refused(council, kingston_postcodes, officer):
    """The owner's page loaded the provider, then the officer suspended it:
    posting reads the suspension under the row's lock, not from the stale page."""
    provider = ProviderFactory(council=council)
    owner = ProviderMemberFactory(provider=provider).user
    loaded = Provider.objects.get(pk=provider.pk)
    services.provider_suspend(provider=provider, officer=officer, reason="Safeguarding review")
    category = ServiceCategoryFactory()
    with pytest.raises(PermissionDenied, match="suspended"):
        services.offer_create(
            provider=loaded, user=owner, title="Lifts", description="Local lifts", categories=[category]
        )
    assert not provider.offers.exists()

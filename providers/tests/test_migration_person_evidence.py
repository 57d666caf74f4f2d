"""The data migration that moves DBS certificates and identity checks to the
member they are about keeps every clearance (ADR 0023), run for real between
the two migration states with django-test-migrations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from providers.services import clearance_compute

BEFORE = ("providers", "0004_languages_iso639")
AFTER = ("providers", "0006_person_evidence_to_members")
TODAY = date(2026, 12, 1)


@pytest.mark.slow
def test_person_evidence_moves_to_its_member_and_no_clearance_is_lost(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    User = old.apps.get_model("platform_core", "User")
    Council = old.apps.get_model("platform_core", "Council")
    Provider = old.apps.get_model("providers", "Provider")
    Member = old.apps.get_model("providers", "ProviderMember")
    Evidence = old.apps.get_model("providers", "VerificationEvidence")
    council = Council.objects.create(name="Kingston", slug="kingston")

    def provider(kind, clearance, name):
        return Provider.objects.create(
            council=council,
            kind=kind,
            name=name,
            email=f"{name}@example.org",
            postcode="KT1 2PT",
            latitude=51.4,
            longitude=-0.3,
            verification_status="verified",
            clearance=clearance,
        )

    def person(email):
        return User.objects.create(email=email, role="provider")

    def accepted(p, kind, **kw):
        return Evidence.objects.create(
            provider=p,
            kind=kind,
            reference="001234567890",
            status="accepted",
            expires_on=TODAY + timedelta(days=400),
            **kw,
        )

    # A single volunteer: their ID check and DBS go to them.
    volunteer = provider("volunteer", "dbs_checked", "sam")
    sam = Member.objects.create(provider=volunteer, user=person("sam@example.org"), role="owner")
    accepted(volunteer, "id_check")
    accepted(volunteer, "dbs")
    # A charity: the DBS sent by a member goes to that member; one sent by someone
    # who has left goes to the first owner; the charity number stays with the charity.
    charity = provider("charity", "dbs_checked", "helpers")
    owner = Member.objects.create(provider=charity, user=person("owner@example.org"), role="owner")
    helper = Member.objects.create(provider=charity, user=person("helper@example.org"), role="member")
    accepted(charity, "charity_number")
    by_helper = accepted(charity, "dbs", submitted_by=helper.user)
    by_leaver = accepted(charity, "dbs", submitted_by=person("gone@example.org"))
    before = {p.pk: (p.verification_status, p.clearance) for p in Provider.objects.all()}

    new = migrator.apply_tested_migration(AFTER)
    Provider = new.apps.get_model("providers", "Provider")
    Evidence = new.apps.get_model("providers", "VerificationEvidence")
    assert set(Evidence.objects.filter(provider_id=volunteer.pk).values_list("kind", "member_id")) == {
        ("id_check", sam.pk),
        ("dbs", sam.pk),
    }
    assert Evidence.objects.get(pk=by_helper.pk).member_id == helper.pk
    assert Evidence.objects.get(pk=by_leaver.pk).member_id == owner.pk
    assert Evidence.objects.get(kind="charity_number").member_id is None
    assert set(Evidence.objects.filter(kind="dbs").values_list("dbs_level", flat=True)) == {""}
    # Stored clearance untouched, and what the rules compute from the moved evidence agrees.
    for p in Provider.objects.all():
        assert (p.verification_status, p.clearance) == before[p.pk]
        evidence = list(Evidence.objects.filter(provider_id=p.pk))
        assert clearance_compute(kind=p.kind, evidence=evidence, today=TODAY) == before[p.pk]

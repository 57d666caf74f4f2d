"""Person evidence (DBS certificates, identity checks) moves to the member it is
about, so the clearance it gives stays where it was (ADR 0023).

Which member: the one who sent it, if they are still a member; otherwise the
provider's only member; otherwise its first owner. A provider with nobody left
keeps the row unattached (no one can be named to attend there anyway).
Certificates sent before levels were asked keep an empty level, which clears
the DBS tier as before, so no clearance is lost.
"""

from django.db import migrations

PERSON_KINDS = ("dbs", "id_check")


def evidence_to_members(apps, schema_editor):
    Evidence = apps.get_model("providers", "VerificationEvidence")
    Member = apps.get_model("providers", "ProviderMember")
    rows = Evidence.objects.filter(kind__in=PERSON_KINDS, member__isnull=True).order_by("pk")
    for evidence in rows.iterator():
        members = Member.objects.filter(provider_id=evidence.provider_id).order_by("joined_at", "pk")
        member = None
        if evidence.submitted_by_id is not None:
            member = members.filter(user_id=evidence.submitted_by_id).first()
        if member is None:
            first_two = list(members[:2])
            if len(first_two) == 1:
                member = first_two[0]
            else:
                member = members.filter(role="owner").first() or (first_two[0] if first_two else None)
        if member is not None:
            Evidence.objects.filter(pk=evidence.pk).update(member=member)


def evidence_back_to_providers(apps, schema_editor):
    apps.get_model("providers", "VerificationEvidence").objects.filter(kind__in=PERSON_KINDS).update(member=None)


class Migration(migrations.Migration):
    dependencies = [("providers", "0005_person_evidence")]

    operations = [migrations.RunPython(evidence_to_members, evidence_back_to_providers)]

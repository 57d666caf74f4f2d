"""Match.provider, copied from the offer (issue 11): filled for every existing match,
then required, with the indexes a provider's lists read their pages from."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE matching_match AS m SET provider_id = o.provider_id FROM providers_offer AS o WHERE o.id = m.offer_id;
SET CONSTRAINTS ALL DEFERRED;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0011_needs_at_risk"),
        ("providers", "0004_languages_iso639"),
    ]

    operations = [
        migrations.AddField(
            model_name="match",
            name="provider",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="providers.provider",
            ),
        ),
        # Immediate constraints so the filled rows' foreign-key checks run now, not at
        # commit (PostgreSQL refuses to alter a table with pending trigger events).
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="match",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="providers.provider"
            ),
        ),
        migrations.RemoveIndex(model_name="match", name="match_offer_live_idx"),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(
                condition=models.Q(("status__in", ("proposed", "accepted", "confirmed"))),
                fields=["provider", "status", "respond_by", "id"],
                name="match_provider_live_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(
                condition=models.Q(("status__in", ("completed", "declined", "expired", "cancelled"))),
                fields=["provider", "-proposed_at", "-id"],
                name="match_provider_past_idx",
            ),
        ),
    ]

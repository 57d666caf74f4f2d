# Personal API tokens move from DRF's authtoken (plain keys, no expiry) to
# django-rest-knox (digests, expiry): the plain keys are dropped, not converted,
# because none of them carried an expiry or a second factor (ADR 0014).

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('platform_core', '0003_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='council',
            name='officer_token_hours',
            field=models.PositiveSmallIntegerField(default=8, help_text="The longest an officer's API token may last, in hours (a working day by default, at most 24).", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)]),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('name', models.CharField(max_length=80)),
                ('two_factor', models.BooleanField(default=False, help_text='Created in a session that had passed two-factor authentication.')),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created'],
            },
        ),
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]

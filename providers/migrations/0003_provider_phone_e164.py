from django.db import migrations


def phones_to_e164(apps, schema_editor):
    """Providers' numbers were stored as typed; now E.164 ('+442079460000').
    Text that is not a number is left as it was: the next edit asks again."""
    from platform_core.phones import phone_normalise_stored

    Provider = apps.get_model("providers", "Provider")
    for provider in Provider.objects.exclude(phone="").only("pk", "phone").iterator():
        phone = phone_normalise_stored(provider.phone)
        if phone != provider.phone:
            Provider.objects.filter(pk=provider.pk).update(phone=phone)


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_invitation_emailed_at")]

    operations = [migrations.RunPython(phones_to_e164, migrations.RunPython.noop)]

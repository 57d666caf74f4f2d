"""One weight vocabulary from the council's rules to the engine (issue 13):
the time-waited term is ``waited`` everywhere, as the engine and every stored
Match.terms already spell it. Stored rules are renamed in place; audit rows
keep the words of their day (the audit log is never edited)."""

from django.db import migrations


def _rename(apps, old: str, new: str) -> None:
    MarketRule = apps.get_model("platform_core", "MarketRule")
    for rule in MarketRule.objects.filter(weights__has_key=old).only("pk", "weights").iterator():
        weights = dict(rule.weights)
        value = weights.pop(old)
        weights.setdefault(new, value)
        MarketRule.objects.filter(pk=rule.pk).update(weights=weights)


def forwards(apps, schema_editor) -> None:
    _rename(apps, "waiting", "waited")


def backwards(apps, schema_editor) -> None:
    _rename(apps, "waited", "waiting")


class Migration(migrations.Migration):
    dependencies = [("platform_core", "0004_api_tokens_and_officer_token_hours")]

    operations = [migrations.RunPython(forwards, backwards)]

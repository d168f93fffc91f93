"""Webhook signing secrets encrypted at rest: the columns become text, every stored secret is
encrypted with the first key of WEBHOOK_SECRET_KEYS (core.crypto), then the model reads them
through EncryptedTextField. Reversible (decrypts back)."""

from django.db import migrations, models

import core.crypto


def _convert(apps, function):
    endpoint_model = apps.get_model("partners", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret", "previous_secret").iterator():
        endpoint_model.objects.filter(pk=endpoint.pk).update(
            secret=function(endpoint.secret), previous_secret=function(endpoint.previous_secret)
        )


def encrypt(apps, schema_editor):
    _convert(apps, core.crypto.secret_encrypt)


def decrypt(apps, schema_editor):
    _convert(apps, core.crypto.secret_decrypt)


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_optimizations_scopes")]

    operations = [
        migrations.RemoveConstraint(model_name="webhookendpoint", name="webhook_secret_prefixed"),
        migrations.AlterField(
            model_name="webhookendpoint", name="secret", field=models.TextField()
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=core.crypto.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=core.crypto.EncryptedTextField(blank=True),
        ),
    ]

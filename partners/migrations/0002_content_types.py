# The moved models' content types follow them (core.partner -> partners.partner, ...), so their
# permissions, group grants and admin log entries keep pointing at them. On a new database there
# is nothing to rename yet: post_migrate creates the content types under the new label.

from django.db import migrations

MODELS = [
    "partner",
    "apikey",
    "partnermembership",
    "partneraccess",
    "webhookendpoint",
    "webhookdelivery",
    "webhookattempt",
]


def _relabel(old, new):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        types = ContentType.objects.using(schema_editor.connection.alias)
        for model in MODELS:
            if not types.filter(app_label=new, model=model).exists():
                types.filter(app_label=old, model=model).update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_relabel("core", "partners"), _relabel("partners", "core")),
    ]

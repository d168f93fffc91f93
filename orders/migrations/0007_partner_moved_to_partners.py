# Partner moved from the core app to the partners app (same table, core_partner): these foreign
# keys now name partners.Partner. State only: the database constraints already point at that
# table, so nothing is rebuilt.

import django.db.models.deletion
from django.db import migrations, models


def _partner_fk(related_name):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="partners.partner",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_purchasing_moved_to_purchasing"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="customer", name="partner", field=_partner_fk("customers")
                ),
                migrations.AlterField(
                    model_name="customerorder",
                    name="partner",
                    field=_partner_fk("customer_orders"),
                ),
                migrations.AlterField(
                    model_name="return", name="partner", field=_partner_fk("returns")
                ),
            ],
        ),
    ]

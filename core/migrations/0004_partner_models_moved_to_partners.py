# Partners, API keys, memberships, scope grants and webhooks now belong to the partners app
# (partners.0001 took over their state; their tables keep the core_ names and their data). This
# drops them from core's state only. It runs after every app that pointed at core.Partner has
# been pointed at partners.Partner (orders.0007), so no reference is left dangling.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_partner_integration"),
        ("partners", "0001_initial"),
        ("orders", "0007_partner_moved_to_partners"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="outboxevent",
                    name="partner",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="partners.partner",
                    ),
                ),
                migrations.DeleteModel(name="WebhookAttempt"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookEndpoint"),
                migrations.DeleteModel(name="PartnerAccess"),
                migrations.DeleteModel(name="PartnerMembership"),
                migrations.DeleteModel(name="ApiKey"),
                migrations.DeleteModel(name="Partner"),
            ],
        ),
    ]

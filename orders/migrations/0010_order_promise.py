from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerorder",
            name="delivery_option",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="customerorder",
            name="promised_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customerorder",
            name="promised_window_end",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customerorder",
            name="promised_window_start",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="customerorder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("promised_date__isnull", True),
                        ("promised_window_start__isnull", True),
                        ("promised_window_end__isnull", True),
                    ),
                    models.Q(
                        ("promised_date__isnull", False),
                        ("promised_window_start__lt", models.F("promised_window_end")),
                    ),
                    _connector="OR",
                ),
                name="order_promise_complete",
            ),
        ),
    ]

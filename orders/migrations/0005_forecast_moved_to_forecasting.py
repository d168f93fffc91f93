# Forecast now belongs to the forecasting app (forecasting.0001 took over its state and the
# table `orders_forecast`); this only drops it from orders' state, the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("forecasting", "0001_initial"),
        ("orders", "0004_forecast_sigma_span"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Forecast")],
        ),
    ]

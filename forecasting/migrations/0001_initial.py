# Forecasts move from the orders app: the table `orders_forecast` stays where it is (no data
# moves); only Django's model state changes app. orders.0005 removes the model from orders' state.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("inventory", "0002_stockmove_append_only"),
        ("orders", "0004_forecast_sigma_span"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Forecast',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('metric', models.CharField(choices=[('demand', 'Product demand (units)'), ('stops', 'Delivery stops'), ('parcels', 'Parcels')], default='demand', max_length=10)),
                        ('start_date', models.DateField(help_text='First forecast day (local date of the warehouse).')),
                        ('model_name', models.CharField(choices=[('auto_ets', 'AutoETS'), ('auto_theta', 'AutoTheta'), ('seasonal_naive', 'Seasonal naive (weekly)'), ('croston_sba', 'Croston (SBA)'), ('tsb', 'TSB'), ('mean', 'Mean'), ('zero', 'Zero')], max_length=16)),
                        ('demand_class', models.CharField(help_text='smooth, intermittent, short, empty', max_length=12)),
                        ('reason', models.TextField(blank=True, help_text='Why this model; data problems found.')),
                        ('point', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None)),
                        ('lo80', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None)),
                        ('hi80', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None)),
                        ('lo95', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None)),
                        ('hi95', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None)),
                        ('cumulative_sigma', django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), blank=True, default=list, help_text='Measured sigma of the 1..n-day demand total (safety stock).', size=None)),
                        ('sigma_span_days', models.PositiveIntegerField(default=0, help_text='Days of backtest errors behind cumulative_sigma.')),
                        ('mase', models.FloatField(blank=True, help_text='Backtest MASE (< 1 beats naive).', null=True)),
                        ('bias', models.FloatField(blank=True, help_text='Backtest bias: (Σ forecast - Σ actual) / Σ actual.', null=True)),
                        ('mae', models.FloatField(blank=True, null=True)),
                        ('candidates', models.JSONField(blank=True, default=dict, help_text='Backtest MASE per model.')),
                        ('history_days', models.PositiveIntegerField(default=0)),
                        ('history_total', models.IntegerField(default=0)),
                        ('computed_at', models.DateTimeField()),
                        ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='forecasts', to='inventory.product')),
                        ('warehouse', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='forecasts', to='inventory.warehouse')),
                    ],
                    options={
                        'db_table': 'orders_forecast',
                        'ordering': ['warehouse_id', 'metric', 'product_id'],
                        'indexes': [models.Index(fields=['product', 'warehouse'], name='forecast_product_idx')],
                        'constraints': [models.UniqueConstraint(fields=('warehouse', 'metric', 'product'), name='uniq_forecast_series', nulls_distinct=False), models.CheckConstraint(condition=models.Q(models.Q(('metric', 'demand'), ('product__isnull', False)), models.Q(models.Q(('metric', 'demand'), _negated=True), ('product__isnull', True)), _connector='OR'), name='forecast_product_iff_demand'), models.CheckConstraint(condition=models.Q(('lo80__len', models.Func(models.F('point'), function='cardinality', output_field=models.IntegerField())), ('hi80__len', models.Func(models.F('point'), function='cardinality', output_field=models.IntegerField())), ('lo95__len', models.Func(models.F('point'), function='cardinality', output_field=models.IntegerField())), ('hi95__len', models.Func(models.F('point'), function='cardinality', output_field=models.IntegerField()))), name='forecast_intervals_match_point'), models.CheckConstraint(condition=models.Q(('mase__isnull', True), ('mase__gte', 0), _connector='OR'), name='forecast_mase_not_negative')],
                    },
                ),
            ],
        ),
    ]

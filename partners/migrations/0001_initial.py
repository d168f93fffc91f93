# Partners, API keys, portal memberships, scope grants and webhooks move from the core app: their
# tables (`core_partner`, `core_apikey`, ...) stay where they are and no data moves; only Django's
# model state changes app. core.0004 removes the models from core's state, orders.0007 points
# orders' foreign keys at partners.Partner, partners.0002 relabels the content types.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0003_partner_integration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Partner',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('code', models.SlugField(max_length=40, unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('contact_email', models.EmailField(blank=True, max_length=254)),
                        ('is_active', models.BooleanField(default=True)),
                    ],
                    options={
                        'db_table': 'core_partner',
                    },
                ),
                migrations.CreateModel(
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(max_length=100)),
                        ('prefix', models.CharField(max_length=16, unique=True)),
                        ('key_hash', models.CharField(max_length=64, unique=True)),
                        ('scopes', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('orders:read', 'Read orders'), ('orders:write', 'Create and change orders'), ('stock:read', 'Read stock'), ('stock:write', 'Change stock'), ('routes:read', 'Read routes'), ('routes:write', 'Plan routes'), ('pings:write', 'Send position pings'), ('webhooks:manage', 'Manage webhooks')], max_length=32), default=list, size=None)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_keys', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'core_apikey',
                    },
                ),
                migrations.CreateModel(
                    name='PartnerAccess',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('allowed_scopes', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('orders:read', 'Read orders'), ('orders:write', 'Create and change orders'), ('stock:read', 'Read stock'), ('stock:write', 'Change stock'), ('routes:read', 'Read routes'), ('routes:write', 'Plan routes'), ('pings:write', 'Send position pings'), ('webhooks:manage', 'Manage webhooks')], max_length=32), blank=True, default=list, size=None)),
                        ('partner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='access', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'core_partneraccess',
                    },
                ),
                migrations.CreateModel(
                    name='PartnerMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('role', models.CharField(choices=[('admin', 'Admin (manages keys and webhooks)'), ('viewer', 'Viewer (read only)')], default='viewer', max_length=16)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='partners.partner')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='partner_membership', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'core_partnermembership',
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('msg_id', models.CharField(max_length=40, unique=True)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='pending', max_length=16)),
                        ('attempts_count', models.PositiveIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='core.outboxevent')),
                    ],
                    options={
                        'db_table': 'core_webhookdelivery',
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('url', models.URLField(max_length=2000)),
                        ('started_at', models.DateTimeField(db_index=True)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('request_headers', models.JSONField(default=dict)),
                        ('response_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('response_body', models.TextField(blank=True)),
                        ('error', models.CharField(blank=True, max_length=500)),
                        ('is_manual', models.BooleanField(default=False)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='partners.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'core_webhookattempt',
                        'ordering': ['delivery_id', 'number'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('public_id', models.CharField(max_length=32, unique=True)),
                        ('url', models.URLField(max_length=2000)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('secret', models.CharField(max_length=100, unique=True)),
                        ('previous_secret', models.CharField(blank=True, max_length=100)),
                        ('previous_secret_expires_at', models.DateTimeField(blank=True, null=True)),
                        ('event_types', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                        ('is_active', models.BooleanField(default=True)),
                        ('disabled_reason', models.CharField(blank=True, max_length=300)),
                        ('disabled_at', models.DateTimeField(blank=True, null=True)),
                        ('failing_since', models.DateTimeField(blank=True, null=True)),
                        ('consecutive_failures', models.PositiveIntegerField(default=0)),
                        ('last_success_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_endpoints', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'core_webhookendpoint',
                    },
                ),
                migrations.AddField(
                    model_name='webhookdelivery',
                    name='endpoint',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='partners.webhookendpoint'),
                ),
                migrations.AddConstraint(
                    model_name='webhookendpoint',
                    constraint=models.CheckConstraint(condition=models.Q(('secret__startswith', 'whsec_')), name='webhook_secret_prefixed'),
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhook_delivery_due_idx'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.UniqueConstraint(fields=('endpoint', 'event'), name='uniq_delivery_per_event'),
                ),
            ],
        ),
    ]

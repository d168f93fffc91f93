"""factory-boy factories shared by every app's tests (add yours here, grouped by app)."""

from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from core.models import Partner

# --- core -------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    code = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")


# --- inventory --------------------------------------------------------------------------------


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Warehouse"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n:02d}")
    name = factory.LazyAttribute(lambda w: f"Warehouse {w.code}")
    city = "Berlin"
    country_code = "DE"
    latitude = factory.LazyFunction(lambda: Decimal("52.520000"))
    longitude = factory.LazyFunction(lambda: Decimal("13.405000"))
    timezone = "Europe/Berlin"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Location"
        django_get_or_create = ("warehouse", "code")

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n // 10 + 1:02d}-{n % 10 + 1:02d}")
    kind = "storage"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Product"
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    weight_kg = factory.LazyFunction(lambda: Decimal("1.000"))
    volume_m3 = factory.LazyFunction(lambda: Decimal("0.010000"))
    unit_cost = factory.LazyFunction(lambda: Decimal("10.0000"))
    reorder_point = 0
    reorder_qty = 0


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Lot"

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"LOT-{n:04d}")
    received_at = factory.LazyFunction(timezone.now)
    expires_at = None

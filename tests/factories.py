"""factory-boy factories shared by every app's tests (add yours here, grouped by app)."""

from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from partners.models import Partner

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


# --- orders: customer orders -------------------------------------------------------------------
# These write rows directly (no stock is reserved): fine for routing/tracking tests that only
# need orders in a given status. Tests about stock go through orders.services.


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Customer"

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = "+49 30 1234567"
    address = "Alexanderplatz 1, 10178 Berlin"


class CustomerOrderFactory(factory.django.DjangoModelFactory):
    """An order 1-3 hours from now near Berlin; pass `status=` for the state you need."""

    class Meta:
        model = "orders.CustomerOrder"

    reference = factory.Sequence(lambda n: f"ORD-2099-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    address = factory.LazyAttribute(lambda o: o.customer.address)
    latitude = factory.Sequence(lambda n: Decimal("52.500000") + Decimal(n % 50) / 1000)
    longitude = factory.Sequence(lambda n: Decimal("13.400000") + Decimal(n % 37) / 1000)
    window_start = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=1))
    window_end = factory.LazyAttribute(lambda o: o.window_start + timezone.timedelta(hours=2))
    tracking_token = factory.Sequence(lambda n: f"test-token-{n:08d}-{'x' * 20}")
    status = "packed"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.OrderLine"

    order = factory.SubFactory(CustomerOrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


# --- purchasing -------------------------------------------------------------------------------
# Suppliers and prices are plain rows; purchase orders are made through purchasing.services
# in tests (see tests/purchasing/conftest.py) so they carry lines, totals and timeline.


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "purchasing.Supplier"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SUP{n:03d}")
    name = factory.LazyAttribute(lambda s: f"Supplier {s.code}")
    contact_email = factory.LazyAttribute(lambda s: f"orders@{s.code.lower()}.example.com")
    lead_time_days = 7
    currency = "EUR"


class SupplierProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "purchasing.SupplierProduct"
        django_get_or_create = ("supplier", "product")

    supplier = factory.SubFactory(SupplierFactory)
    product = factory.SubFactory(ProductFactory)
    supplier_sku = factory.LazyAttribute(lambda sp: f"S-{sp.product.sku}")
    unit_cost = factory.LazyFunction(lambda: Decimal("10.0000"))
    pack_size = 1
    min_order_qty = 1


# --- routing ------------------------------------------------------------------------------------
# Vehicles, drivers and shifts as plain rows; plans, jobs, routes and stops are made through
# routing.services in tests so they carry what the optimiser computed.


def _clock(hour: int, minute: int = 0):
    import datetime

    return datetime.time(hour, minute)


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.Vehicle"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VAN{n:03d}")
    name = factory.LazyAttribute(lambda v: f"Van {v.code}")
    depot = factory.SubFactory(WarehouseFactory)
    capacity_weight_kg = factory.LazyFunction(lambda: Decimal("800"))
    capacity_volume_m3 = factory.LazyFunction(lambda: Decimal("8"))
    capacity_units = 200
    cost_per_km = factory.LazyFunction(lambda: Decimal("0.40"))
    cost_per_hour = factory.LazyFunction(lambda: Decimal("25"))
    fixed_cost = factory.LazyFunction(lambda: Decimal("20"))


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "routing.Driver"
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"driver-{n}"))
    phone = "+49 30 7654321"


class ShiftFactory(factory.django.DjangoModelFactory):
    """A 07:00-19:00 shift today (in the depot's zone), no break unless given."""

    class Meta:
        model = "routing.Shift"

    driver = factory.SubFactory(DriverFactory)
    vehicle = factory.SubFactory(VehicleFactory)
    date = factory.LazyFunction(lambda: timezone.localdate())
    start_time = factory.LazyFunction(lambda: _clock(7))
    end_time = factory.LazyFunction(lambda: _clock(19))


# --- partners ---------------------------------------------------------------------------------


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.PartnerMembership"

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = "admin"

"""Cash on delivery: the amount on order creation (partner API, staff form), the driver
recording cash or card at the door (a shortfall refused), `order.cod_collected` published once,
the partner seeing what was collected (and only for its own orders), and the end-of-day cash
reconciliation per driver with its CSV."""

import csv
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import OutboxEvent
from core.roles import Role
from orders.models import CodCollection, CustomerOrder
from partners.models import WebhookDelivery
from partners.services.webhooks.delivery import outbox_event_fan_out
from partners.services.webhooks.endpoints import webhook_endpoint_create
from tests.conftest import make_user
from tests.factories import ProductFactory, WarehouseFactory
from tracking.models import CashHandIn

from .conftest import stops_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver_api(driver):
    client = APIClient()
    client.force_login(driver.user)
    return client


def _cod(stop, amount, partner=None, currency="EUR"):
    order = stop.order
    order.cod_amount, order.cod_currency, order.partner = Decimal(amount), currency, partner
    order.save(update_fields=["cod_amount", "cod_currency", "partner"])
    return order


def _deliver(client, stop, **data):
    return client.post(
        f"/api/v1/driver/stops/{stop.pk}/deliver/", {"recipient_name": "Ada", **data}, format="json"
    )


# --- creating orders with COD and a PIN requirement -----------------------------------------


def _order_body(**extra):
    return {
        "warehouse": "COD1",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "address": "Karl-Marx-Allee 1, Berlin",
        "latitude": "52.5",
        "longitude": "13.4",
        "window_start": "2099-05-04T09:00",
        "window_end": "2099-05-04T12:00",
        "lines": [{"product": "SKU-COD", "quantity": 1}],
        **extra,
    }


@pytest.fixture
def catalog(db):
    WarehouseFactory(code="COD1")
    ProductFactory(sku="SKU-COD")


def test_a_partner_creates_an_order_with_cash_on_delivery_and_reads_it_back(partner_api, catalog):
    api = partner_api()
    response = api.post(
        "/api/v1/orders/", _order_body(cod_amount="49.90", cod_currency="eur"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["cod_amount"] == "49.90" and body["cod_currency"] == "EUR"
    assert body["requires_pin"] is False
    assert body["cod_collection"] is None and body["pin_state"] is None


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"cod_amount": "-5"}, 422, "cod_amount"),
        ({"cod_amount": "0"}, 422, "cod_amount"),
        ({"cod_amount": "abc"}, 400, "cod_amount"),  # not a number: the schema refuses it
        ({"cod_amount": "10", "cod_currency": "E1R"}, 422, "cod_currency"),
        ({"cod_amount": "10", "cod_currency": "EURO"}, 400, "cod_currency"),  # maxLength 3
        ({"requires_pin": "maybe"}, 400, "requires_pin"),
    ],
)
def test_bad_cod_or_pin_input_is_refused_naming_the_field(
    partner_api, catalog, extra, status, field
):
    response = partner_api().post("/api/v1/orders/", _order_body(**extra), format="json")
    assert response.status_code == status, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not CustomerOrder.objects.exists()


def test_the_partner_setting_is_the_default_and_the_order_may_override_it(
    partner_api, partner, catalog
):
    partner.requires_delivery_pin = True
    partner.save(update_fields=["requires_delivery_pin"])
    api = partner_api(partner=partner)
    default = api.post("/api/v1/orders/", _order_body(external_ref="a"), format="json")
    assert default.status_code == 201 and default.json()["requires_pin"] is True
    off = api.post(
        "/api/v1/orders/", _order_body(external_ref="b", requires_pin=False), format="json"
    )
    assert off.status_code == 201 and off.json()["requires_pin"] is False


def test_the_staff_form_sets_a_pin_and_an_amount_to_collect(client, catalog):
    from inventory.models import Warehouse

    client.force_login(make_user(Role.DISPATCHER, username="dora"))
    page = client.get("/orders/new/")
    assert "Cash on delivery" in page.content.decode() and "Delivery PIN" in page.content.decode()
    data = {
        "warehouse": Warehouse.objects.get(code="COD1").pk,
        "customer_name": "Ada",
        "address": "Karl-Marx-Allee 1",
        "latitude": "52.5",
        "longitude": "13.4",
        "window_start": "2099-05-04T09:00",
        "window_end": "2099-05-04T12:00",
        "service_time_s": 300,
        "priority": 1,
        "requires_pin": "on",
        "cod_amount": "12.50",
        "cod_currency": "EUR",
        "l-TOTAL_FORMS": 1,
        "l-INITIAL_FORMS": 0,
        "l-0-product": "SKU-COD",
        "l-0-quantity": 1,
    }
    response = client.post("/orders/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = CustomerOrder.objects.get()
    assert (
        order.requires_pin and order.cod_amount == Decimal("12.50") and order.cod_currency == "EUR"
    )


# --- collecting at the door -----------------------------------------------------------------


def test_a_shortfall_is_refused_and_nothing_is_recorded(driver_api, route, partner):
    a = stops_of(route)[0]
    _cod(a, "25.00", partner)
    missing = _deliver(driver_api, a)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "cod_method"
    short = _deliver(driver_api, a, cod_method="cash", cod_amount="20.00")
    assert short.status_code == 422
    error = short.json()["errors"][0]
    assert error["field"] == "cod_amount" and error["code"] == "cod_shortfall"
    assert "25.00 EUR" in short.json()["detail"]
    a.refresh_from_db()
    assert a.status == "planned" and not CodCollection.objects.exists()
    assert not OutboxEvent.objects.filter(type="order.cod_collected").exists()


def test_payment_on_an_order_without_cod_is_refused(driver_api, route):
    a = stops_of(route)[0]
    response = _deliver(driver_api, a, cod_method="cash", cod_amount="5")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cod_method"


def test_collecting_publishes_one_webhook_and_the_partner_sees_it_only_on_its_own_order(
    settings, driver_api, driver, route, partner, partner_api
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint, _secret = webhook_endpoint_create(
        partner=partner, url="https://shop.example.com/hooks", event_types=["order.cod_collected"]
    )
    a = stops_of(route)[0]
    order = _cod(a, "25.00", partner)
    for _ in range(2):  # the phone's retry of a lost response changes nothing
        response = driver_api.post(
            f"/api/v1/driver/stops/{a.pk}/deliver/",
            {"recipient_name": "Ada", "cod_method": "card", "cod_amount": "25.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="pay-1",
        )
        assert response.status_code == 200, response.json()
    assert _deliver(driver_api, a, cod_method="card", cod_amount="25.00").status_code == 200
    events = list(OutboxEvent.objects.filter(type="order.cod_collected"))
    assert len(events) == 1
    event = events[0]
    assert event.partner == partner
    assert event.payload["order"] == order.reference
    assert event.payload["collected_amount"] == "25.00" and event.payload["method"] == "card"
    assert event.payload["currency"] == "EUR" and event.payload["cod_amount"] == "25.00"
    outbox_event_fan_out(event_id=event.pk)
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event=event).count() == 1
    collection = CodCollection.objects.get(order=order)
    assert collection.collected_by == driver.user and collection.amount == Decimal("25.00")

    mine = partner_api(partner=partner, scopes=["orders:read"])
    body = mine.get(f"/api/v1/orders/{order.reference}/").json()
    assert body["cod_collection"]["amount"] == "25.00"
    assert body["cod_collection"]["method"] == "card"
    assert body["status"] == "delivered"
    other = partner_api(scopes=["orders:read"])
    assert other.get(f"/api/v1/orders/{order.reference}/").status_code == 404


def test_more_than_the_amount_is_recorded_as_collected(driver_api, route):
    a = stops_of(route)[0]
    order = _cod(a, "19.99")
    assert _deliver(driver_api, a, cod_method="cash", cod_amount="20").status_code == 200
    assert CodCollection.objects.get(order=order).amount == Decimal("20.00")


# --- end-of-day reconciliation --------------------------------------------------------------


@pytest.fixture
def cash_day(driver_api, driver, make_route, make_user_driver, matrix_provider):
    """Driver dirk: 20 cash + 30 card delivered, 15 not delivered. Driver bea: 10 due, 12 cash."""
    route = make_route()
    a, b, c = stops_of(route)
    _cod(a, "20.00")
    _cod(b, "30.00")
    _cod(c, "15.00")
    assert _deliver(driver_api, a, cod_method="cash", cod_amount="20.00").status_code == 200
    assert _deliver(driver_api, b, cod_method="card", cod_amount="30.00").status_code == 200
    bea = make_user_driver("bea")
    other = make_route(code="VAN2", route_driver=bea.driver)
    x = stops_of(other)[0]
    _cod(x, "10.00")
    api = APIClient()
    api.force_login(bea)
    assert _deliver(api, x, cod_method="cash", cod_amount="12.00").status_code == 200
    return route.plan.date, driver, bea.driver


def test_the_cash_page_shows_expected_collected_and_handed_in_per_driver(client, cash_day):
    day, dirk, bea = cash_day
    client.force_login(make_user(Role.DISPATCHER, username="dana"))
    page = client.get(f"/tracking/cash/?date={day.isoformat()}").content.decode()
    assert "50.00 EUR" in page and "10.00 EUR" in page
    assert "not counted" in page and "1 still open" in page
    saved = client.post(
        "/tracking/cash/",
        {"date": day.isoformat(), "driver": dirk.pk, "currency": "EUR", "amount": "15.00"},
    )
    assert saved.status_code == 302
    assert CashHandIn.objects.get(driver=dirk, date=day).amount == Decimal("15.00")
    bad = client.post(
        "/tracking/cash/",
        {"date": day.isoformat(), "driver": dirk.pk, "currency": "EUR", "amount": "-1"},
    )
    assert bad.status_code == 422 and "amount" in bad.content.decode()
    assert CashHandIn.objects.get(driver=dirk, date=day).amount == Decimal("15.00")

    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/tracking/cash.csv?date={day}").content.decode()))
    )
    by_driver = {r["driver"]: r for r in rows}
    dirk_row = by_driver[dirk.user.username]
    assert dirk_row["expected"] == "50.00" and dirk_row["collected_cash"] == "20.00"
    assert dirk_row["collected_card"] == "30.00" and dirk_row["collected_minus_expected"] == "0.00"
    assert dirk_row["cash_handed_in"] == "15.00" and dirk_row["handed_in_minus_cash"] == "-5.00"
    assert dirk_row["flagged"] == "yes" and dirk_row["cod_orders"] == "3"
    bea_row = by_driver[bea.user.username]
    assert bea_row["expected"] == "10.00" and bea_row["collected_minus_expected"] == "2.00"
    assert bea_row["cash_handed_in"] == "" and bea_row["flagged"] == "yes"


def test_a_balanced_driver_is_not_flagged(client, cash_day):
    day, dirk, _bea = cash_day
    client.force_login(make_user(Role.DISPATCHER, username="dana"))
    client.post(
        "/tracking/cash/",
        {"date": day.isoformat(), "driver": dirk.pk, "currency": "EUR", "amount": "20.00"},
    )
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/tracking/cash.csv?date={day}").content.decode()))
    )
    assert {r["driver"]: r["flagged"] for r in rows}[dirk.user.username] == "no"


def test_the_cash_page_is_for_dispatchers_only(client, cash_day):
    day = cash_day[0]
    client.force_login(make_user(Role.WAREHOUSE, username="wally"))
    assert client.get(f"/tracking/cash/?date={day}").status_code == 403
    assert client.get(f"/tracking/cash.csv?date={day}").status_code == 403


def test_a_returns_pickup_of_a_cod_order_asks_for_no_payment_or_pin(route):
    from routing.models import Stop
    from tracking.services import stop_handover_check

    a = stops_of(route)[0]
    order = _cod(a, "25.00")
    order.requires_pin = True
    order.save(update_fields=["requires_pin"])
    pickup = Stop(route=route, plan=route.plan, order=order, ret_id=a.pk, status="planned")
    stop_handover_check(stop=pickup)  # nothing to pay, no PIN: no error
    with pytest.raises(Exception, match="cash or card"):
        stop_handover_check(stop=a)

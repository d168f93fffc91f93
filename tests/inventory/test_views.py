"""Pages for warehouse staff: lists, detail pages, forms with clear errors, reports, CSV."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from inventory.demo import seed_inventory
from inventory.models import Product, Stock, StockMove, Warehouse
from inventory.reports import REPORTS
from inventory.selectors.integrity import stock_drift
from inventory.selectors.stock import warehouse_today
from inventory.services import stock_receive, stock_reserve

pytestmark = pytest.mark.django_db
D1 = timedelta(days=1)


@pytest.fixture
def staff(client, user_factory):
    client.force_login(user_factory(Role.WAREHOUSE, username="wendy"))
    return client


def test_pages_need_a_staff_role(client, user_factory):
    assert client.get("/inventory/").status_code == 302
    client.force_login(user_factory(Role.DRIVER, username="dave"))
    assert client.get("/inventory/").status_code == 403


def test_product_list_and_detail_show_stock(staff, product, shelf, warehouse):
    stock_receive(product=product, location=shelf, quantity=9, lot_code="L1")
    stock_reserve(product=product, warehouse=warehouse, quantity=2, demand_ref="ORD-1#1")
    page = staff.get("/inventory/", {"q": "tea"})
    assert page.status_code == 200 and b"TEA-001" in page.content
    detail = staff.get(f"/inventory/products/{product.sku}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "A-01-01" in text and "L1" in text and "ORD-1#1" in text


def test_receive_form_books_stock_and_redirects(staff, product, shelf):
    response = staff.post(
        "/inventory/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 4, "condition": "good"},
    )
    assert response.status_code == 302
    assert Stock.objects.get().on_hand == 4


def test_receive_form_shows_errors_and_writes_nothing(staff, product, shelf):
    response = staff.post(
        "/inventory/receive/",
        {"product": "NOPE", "location": shelf.pk, "quantity": 0, "condition": "good"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "quantity" in form.errors
    response = staff.post(
        "/inventory/receive/",
        {"product": "NOPE", "location": shelf.pk, "quantity": 1, "condition": "good"},
    )
    assert "Unknown product" in response.context["form"].errors["product"][0]
    assert not StockMove.objects.exists()


def test_transfer_form_refuses_reserved_units_under_the_quantity(
    staff, product, shelf, shelf2, warehouse
):
    stock_receive(product=product, location=shelf, quantity=5)
    stock_reserve(product=product, warehouse=warehouse, quantity=5, demand_ref="D#1")
    response = staff.post(
        "/inventory/transfer/",
        {
            "product": product.sku,
            "location": shelf.pk,
            "condition": "good",
            "to_location": shelf2.pk,
            "quantity": 1,
        },
    )
    assert response.status_code == 200
    assert "Only 0" in response.context["form"].errors["quantity"][0]


def test_adjust_form_count_and_condition_form(staff, product, shelf, quarantine):
    stock_receive(product=product, location=shelf, quantity=5)
    key = {"product": product.sku, "location": shelf.pk, "condition": "good"}
    assert staff.post("/inventory/adjust/", {**key, "counted": 3}).status_code == 302
    response = staff.post("/inventory/adjust/", {**key, "delta": -1})
    assert "reason" in response.context["form"].errors
    response = staff.post(
        "/inventory/condition/",
        {
            **key,
            "to_condition": "quarantined",
            "to_location": quarantine.pk,
            "quantity": 1,
            "reason": "Leak",
        },
    )
    assert response.status_code == 302
    assert Stock.objects.get(condition="quarantined").on_hand == 1


def test_every_report_page_renders_and_exports_csv(staff, product, perishable, shelf):
    product.reorder_point = 10
    product.save()
    stock_receive(product=product, location=shelf, quantity=5)
    stock_receive(
        product=perishable,
        location=shelf,
        quantity=2,
        lot_code="M1",
        expires_at=date.today() + timedelta(days=3),
    )
    for slug in REPORTS:
        page = staff.get(f"/inventory/reports/{slug}/")
        assert page.status_code == 200, slug
        export = staff.get(f"/inventory/reports/{slug}/", {"format": "csv"})
        assert export["Content-Type"].startswith("text/csv")
        lines = b"".join(export.streaming_content).decode().splitlines()
        assert len(lines) >= 2, slug
    expiring = staff.get("/inventory/reports/expiring-lots/", {"days": 7, "format": "csv"})
    assert "M1" in b"".join(expiring.streaming_content).decode()


def test_report_filters_show_errors_instead_of_failing(staff):
    page = staff.get("/inventory/reports/stock/", {"condition": "shiny"})
    assert page.status_code == 200 and page.context["filter"].errors


def test_import_page_lists_row_errors(staff, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile(
        "p.csv", b"sku,name,weight_kg\nA,Apple,heavy\n", content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the background run
        queued = staff.post("/inventory/import/", {"kind": "products", "file": upload})
    response = staff.get(queued["Location"])
    assert response.status_code == 422
    errors = response.context["run"]["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "weight_kg"
    assert not Product.objects.exists()


def test_demo_data_is_consistent_idempotent_and_shows_on_pages(
    staff, django_assert_max_num_queries
):
    assert seed_inventory() is True
    assert seed_inventory() is False
    assert Warehouse.objects.count() == 2 and Product.objects.count() >= 60
    assert stock_drift() == []
    assert Stock.objects.filter(condition__in=["damaged", "quarantined"]).exists()
    assert Product.objects.filter(shelf_life_days__isnull=False).count() >= 10
    with django_assert_max_num_queries(12):
        assert staff.get("/inventory/").status_code == 200
    with django_assert_max_num_queries(12):
        assert staff.get("/inventory/warehouses/BER/").status_code == 200
    sku = Product.objects.first().sku
    with django_assert_max_num_queries(15):
        assert staff.get(f"/inventory/products/{sku}/").status_code == 200
    low = staff.get("/inventory/reports/low-stock/")
    assert len(low.context["table"]) > 0


def test_stock_list_pages_keep_the_filters(staff, warehouse):
    for n in range(55):
        Product.objects.create(sku=f"PAGE-{n:03d}", name=f"Paged product {n}")
    page = staff.get("/inventory/", {"q": "PAGE", "warehouse": "BER"})
    text = page.content.decode()
    assert "QueryDict" not in text
    assert 'href="?q=PAGE&amp;warehouse=BER&amp;page=2"' in text
    second = staff.get("/inventory/", {"q": "PAGE", "warehouse": "BER", "page": 2}).content
    assert b'href="?q=PAGE&amp;warehouse=BER&amp;page=1"' in second and b"PAGE-054" in second


def _text(response) -> str:
    """The page's words, one space between elements (as a reader sees them)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_expired_stock_shows_as_expired_and_explains_what_is_not_available(
    staff, perishable, shelf, warehouse
):
    """A lot past its expiry date is still booked `good` (nobody moved it yet): the stock views
    call it expired and say why those units are not available."""
    today = warehouse_today(warehouse)
    stock_receive(
        product=perishable, location=shelf, quantity=12, lot_code="OLD", expires_at=today - D1
    )
    stock_receive(product=perishable, location=shelf, quantity=5, lot_code="NEW", expires_at=today)
    listed = _text(staff.get("/inventory/", {"q": "MILK"}))
    assert "MILK-1L Milk 1 l expires each 17 0 5 12 expired" in listed
    detail = staff.get(f"/inventory/products/{perishable.sku}/")
    text = _text(detail)
    assert "Available 5 12 expired reorder at" in text
    assert "Expired 12 past the lot's expiry date" in text
    rows = {s.lot.code: s.is_expired for s in detail.context["rows"]}
    assert rows == {"OLD": True, "NEW": False}
    assert 'title="Lot OLD expired after' in detail.content.decode()
    report = staff.get("/inventory/reports/stock/", {"product": perishable.sku})
    (row,) = list(report.context["page"])
    assert (row["good_qty"], row["expired_qty"], row["available"]) == (5, 12, 5)
    warehouse_page = _text(staff.get(f"/inventory/warehouses/{warehouse.code}/"))
    assert "OLD Expired booked good 12" in warehouse_page


def test_report_filters_are_labelled_for_people(staff, product, shelf):
    stock_receive(product=product, location=shelf, quantity=3)
    history = staff.get("/inventory/reports/history/", {"location": shelf.pk})
    text = _text(history)
    assert "User username" not in text and "Location id" not in text
    assert "[invalid name]" not in text and "Reference contains" not in text
    assert "Warehouse" in text and "User" in text
    # The location id still filters (a link's hidden field), and says what is wrong with it.
    assert f'type="hidden" name="location" value="{shelf.pk}"' in history.content.decode()
    assert "Location id: Enter a whole number." in _text(
        staff.get("/inventory/reports/history/", {"location": "x"})
    )
    stock = _text(staff.get("/inventory/reports/stock/"))
    assert "Location warehouse" not in stock and "Lot code" not in stock


def test_product_movements_show_the_warehouse_s_time(staff, product, shelf):
    """The product page's movements and the movements report read the move's time in its
    warehouse's zone (Berlin), not the server's (UTC)."""
    from core import timefmt

    stock_receive(product=product, location=shelf, quantity=2)
    at = StockMove.objects.get(product=product).created_at
    berlin, utc = timefmt.stamp(at, "Europe/Berlin"), timefmt.stamp(at, "UTC")
    html = staff.get(f"/inventory/products/{product.sku}/").content.decode()
    assert berlin in html and utc not in html
    response = staff.get("/inventory/reports/history/", {"format": "csv"})
    report = b"".join(response.streaming_content).decode()
    assert berlin in report and utc not in report

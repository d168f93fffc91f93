"""The purchase order list's query parameters (purchasing.filters): every existing name keeps
its meaning (`overdue=1`, `from`/`to` on the creation day, codes, `q`), and a value of the wrong
type is a 400 naming the parameter as the client spelled it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from purchasing.models import PurchaseOrder
from tests.factories import SupplierFactory, SupplierProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchase-orders/"


@pytest.fixture
def buyer(staff_api):
    return staff_api(Role.PURCHASING)


def _refs(response):
    assert response.status_code == 200, response.content
    return sorted(row["reference"] for row in response.json()["results"])


@pytest.fixture
def three(po_in, make_po, prices):
    """A late sent order (created 10 days ago), a draft from BOLT at HAM, and a draft today."""
    late = po_in("sent")
    today = timezone.localdate()
    PurchaseOrder.objects.filter(pk=late.pk).update(
        expected_date=today - timedelta(days=2),
        created_at=timezone.now() - timedelta(days=10),
        supplier_reference="ACME-778",
    )
    bolt = SupplierFactory(code="BOLT2")
    SupplierProductFactory(supplier=bolt, product=prices["widget"].product)
    other = make_po(
        [(prices["widget"].product, 5, Decimal("9.00"))],
        supplier=bolt,
        warehouse=WarehouseFactory(code="HAM"),
    )
    draft = make_po()
    return late, other, draft


def test_each_filter_selects_what_it_names(buyer, three):
    late, other, draft = three
    today = timezone.localdate()
    assert _refs(buyer.get(URL, {"overdue": "1"})) == [late.reference]
    assert _refs(buyer.get(URL, {"overdue": "true"})) == [late.reference]
    assert _refs(buyer.get(URL, {"overdue": "0"})) == sorted([other.reference, draft.reference])
    assert _refs(buyer.get(URL, {"status": "sent"})) == [late.reference]
    assert _refs(buyer.get(URL, {"supplier": "BOLT2"})) == [other.reference]
    assert _refs(buyer.get(URL, {"warehouse": "HAM"})) == [other.reference]
    assert _refs(buyer.get(URL, {"q": "acme-77"})) == [late.reference]
    assert _refs(buyer.get(URL, {"q": draft.reference})) == [draft.reference]
    since_yesterday = {"from": (today - timedelta(days=1)).isoformat()}
    assert _refs(buyer.get(URL, since_yesterday)) == sorted([other.reference, draft.reference])
    up_to_last_week = {"to": (today - timedelta(days=7)).isoformat()}
    assert _refs(buyer.get(URL, up_to_last_week)) == [late.reference]
    assert _refs(buyer.get(URL, {"supplier": "NOPE"})) == []
    assert _refs(buyer.get(URL, {"q": ""})) == sorted(
        [late.reference, other.reference, draft.reference]
    )


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"from": "soon"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": ""}, "from"),
        ({"overdue": "maybe"}, "overdue"),
        ({"status": "bogus"}, "status"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(buyer, db, params, name):
    response = buyer.get(URL, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [name]


@pytest.mark.django_db
def test_the_supplier_list_filters_through_its_filter_set(purchasing_user):
    from rest_framework.test import APIClient

    SupplierFactory(code="ACME", name="Acme Tools", is_active=True)
    SupplierFactory(code="OLDCO", name="Old Company", is_active=False)
    client = APIClient()
    client.force_authenticate(purchasing_user)

    def codes(query: str) -> list[str]:
        response = client.get(f"/api/v1/suppliers/{query}")
        assert response.status_code == 200, response.content
        return sorted(s["code"] for s in response.json()["results"])

    assert codes("") == ["ACME", "OLDCO"]
    assert codes("?active=1") == ["ACME"]
    assert codes("?active=false") == ["OLDCO"]
    assert codes("?q=acme") == ["ACME"]
    bad = client.get("/api/v1/suppliers/?active=maybe")
    assert bad.status_code == 400 and "active" in bad.content.decode()

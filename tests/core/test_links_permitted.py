"""A page never shows a link or a button its target would refuse: templates ask
`{% can %}` (core.permissions.user_can), which asks the view class that answers the URL — the
same check the view makes when the link is followed or the form posted."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from core.navigation import navigation_for
from core.permissions import user_can, user_can_path
from core.roles import Role
from inventory.demo import seed_inventory
from inventory.models import Product
from purchasing.demo import seed_purchasing
from purchasing.models import PurchaseOrder
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

STAFF = [Role.DISPATCHER, Role.WAREHOUSE, Role.PURCHASING, Role.APPROVER]
# Links and POST targets in a page: <a href>, <form action>, <button formaction>, hx-get/hx-post.
TARGETS = re.compile(r'(?:href|action|formaction|hx-get|hx-post)="(/[^"#]*)"')


@pytest.fixture
def demo(db):
    users = {role: make_user(role, username=role) for role in STAFF}
    seed_inventory()
    seed_purchasing()
    return users


def test_a_view_answers_can_for_its_own_roles(demo):
    assert user_can(demo[Role.WAREHOUSE], "inventory:receive")
    assert not user_can(demo[Role.DISPATCHER], "inventory:receive")
    assert not user_can(demo[Role.PURCHASING], "inventory:adjust")
    assert user_can(demo[Role.PURCHASING], "inventory:import")
    # Actions with their own roles: one view, the role its action needs.
    po = PurchaseOrder.objects.filter(status="submitted").first()
    assert user_can(demo[Role.APPROVER], "purchasing:po-action", po.reference, "approve")
    assert not user_can(demo[Role.PURCHASING], "purchasing:po-action", po.reference, "approve")
    assert not user_can(demo[Role.APPROVER], "purchasing:po-action", po.reference, "send")


def test_the_can_tag_hides_what_the_role_may_not_do(demo):
    template = Template(
        "{% load waybill_perms %}{% can 'purchasing:po-create' as may %}"
        "{% if may %}New purchase order{% endif %}"
    )
    for role, shown in ((Role.PURCHASING, True), (Role.WAREHOUSE, False), (Role.APPROVER, False)):
        request = RequestFactory().get("/")
        request.user = demo[role]
        assert ("New purchase order" in template.render(Context({"request": request}))) is shown


@pytest.mark.parametrize("role", STAFF)
def test_no_page_offers_what_its_target_refuses(client, demo, role):
    """Every link and form target on the role's navigation pages and the pages they lead to
    (one of each kind) is one the role may use; following a link never answers 403."""
    user = demo[role]
    client.force_login(user)
    po = PurchaseOrder.objects.filter(status="sent").first()
    product = Product.objects.filter(stock__on_hand__gt=0).order_by("sku").first()
    pages = [item["url"] for item in navigation_for(user)] + [
        f"/inventory/products/{product.sku}/",
        f"/orders/purchasing/{po.reference}/",
        f"/orders/purchasing/suppliers/{po.supplier.code}/",
    ]
    refused = []
    for url in pages:
        if not user_can_path(user, url):
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        for target in set(TARGETS.findall(response.content.decode())):
            if target.startswith(("/static/", "/accounts/", "/admin/")):
                continue
            if not user_can_path(user, target.replace("&amp;", "&")):
                refused.append(f"{url} shows {target}")
    assert refused == []

"""Staff set a partner's delivery-PIN default on the partner's page; it is audited."""

import pytest

from partners.models import AuditEntry
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_an_admin_turns_the_delivery_pin_default_on_and_off(client, admin_user):
    partner = PartnerFactory()
    client.force_login(admin_user)
    page = client.get(f"/partners/{partner.pk}/").content.decode()
    assert "New orders need the customer's delivery PIN" in page
    response = client.post(
        f"/partners/{partner.pk}/", {"action": "delivery_pin", "requires_delivery_pin": "on"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.requires_delivery_pin
    entry = AuditEntry.objects.get(action="partner.delivery_pin_set")
    assert entry.changes == {"from": False, "to": True} and entry.actor == admin_user
    client.post(f"/partners/{partner.pk}/", {"action": "delivery_pin"})
    partner.refresh_from_db()
    assert not partner.requires_delivery_pin


def test_a_dispatcher_may_not_change_it(client, dispatcher):
    partner = PartnerFactory()
    client.force_login(dispatcher)
    response = client.post(
        f"/partners/{partner.pk}/", {"action": "delivery_pin", "requires_delivery_pin": "on"}
    )
    assert response.status_code == 403
    partner.refresh_from_db()
    assert not partner.requires_delivery_pin

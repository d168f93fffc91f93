"""Partner portal pages and the staff partner pages."""

import re

import pytest
from django.test import Client

from partners.models import ApiKey, PartnerMembership, WebhookAttempt, WebhookEndpoint
from partners.services.accounts import partner_scopes_set
from partners.services.webhooks.delivery import webhook_endpoint_send_test
from partners.services.webhooks.endpoints import webhook_endpoint_create
from tests.factories import PartnerFactory, PartnerMembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


@pytest.fixture
def portal(granted_partner):
    """A logged-in client for an admin of `granted_partner`."""
    membership = PartnerMembershipFactory(partner=granted_partner, role="admin")
    client = Client()
    client.force_login(membership.user)
    client.partner = granted_partner
    return client


@pytest.fixture
def viewer(granted_partner):
    membership = PartnerMembershipFactory(partner=granted_partner, role="viewer")
    client = Client()
    client.force_login(membership.user)
    return client


def test_a_partner_admin_creates_a_key_shown_once_and_revokes_it(portal):
    response = portal.post("/portal/keys/", {"name": "Shop", "scopes": ["orders:read"]})
    assert response.status_code == 200
    raw = re.search(r'id="new-key">(wb_[^<]+)<', response.content.decode()).group(1)
    key = ApiKey.objects.get(partner=portal.partner)
    assert raw.startswith(f"wb_{key.prefix}_") and key.scopes == ["orders:read"]
    page = portal.get("/portal/keys/").content.decode()
    assert raw not in page and f"{key.prefix}…" in page
    portal.post(f"/portal/keys/{key.prefix}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_scopes_not_granted_are_not_offered_or_accepted(portal):
    partner_scopes_set(partner=portal.partner, allowed_scopes=["orders:read"])
    page = portal.get("/portal/keys/").content.decode()
    assert 'value="orders:read"' in page and 'value="stock:write"' not in page
    response = portal.post("/portal/keys/", {"name": "x", "scopes": ["stock:write"]})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_viewers_see_but_cannot_change(viewer, granted_partner):
    assert viewer.get("/portal/keys/").status_code == 200
    assert viewer.post("/portal/keys/", {"name": "x", "scopes": []}).status_code == 403
    assert not ApiKey.objects.exists()


def test_staff_and_anonymous_users_do_not_get_the_portal(admin_user):
    assert Client().get("/portal/").status_code == 302
    staff = Client()
    staff.force_login(admin_user)
    assert staff.get("/portal/").status_code == 403


def test_portal_users_land_on_the_portal(portal):
    assert portal.get("/").url == "/portal/"


def test_another_partners_objects_are_404_in_the_portal(portal, receiver):
    other = PartnerFactory()
    endpoint, _ = webhook_endpoint_create(partner=other, url=receiver.url)
    delivery = webhook_endpoint_send_test(endpoint=endpoint)
    key = ApiKey.objects.create(partner=other, name="x", prefix="abcd1234", key_hash="0" * 64)
    assert portal.get(f"/portal/webhooks/{endpoint.public_id}/").status_code == 404
    assert (
        portal.post(f"/portal/webhooks/{endpoint.public_id}/", {"action": "delete"}).status_code
        == 404
    )
    assert portal.get(f"/portal/deliveries/{delivery.msg_id}/").status_code == 404
    assert portal.post(f"/portal/deliveries/{delivery.msg_id}/").status_code == 404
    assert portal.post(f"/portal/keys/{key.prefix}/revoke/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert delivery.msg_id not in portal.get("/portal/deliveries/").content.decode()


def test_endpoint_pages_create_rotate_test_and_replay(
    portal, receiver, django_capture_on_commit_callbacks
):
    response = portal.post(
        "/portal/webhooks/", {"url": receiver.url, "event_types": "order.created, order.delivered"}
    )
    assert response.status_code == 200
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret and endpoint.event_types == [
        "order.created",
        "order.delivered",
    ]
    url = f"/portal/webhooks/{endpoint.public_id}/"
    assert secret not in portal.get(url).content.decode()

    response = portal.post(url, {"action": "rotate"})
    new_secret = re.search(r'id="new-secret">(whsec_[^<]+)<', response.content.decode()).group(1)
    assert new_secret != secret

    with django_capture_on_commit_callbacks(execute=True):
        portal.post(url, {"action": "test"})
    assert len(receiver.requests) == 1
    delivery = endpoint.deliveries.get()
    page = portal.get(f"/portal/deliveries/{delivery.msg_id}/").content.decode()
    assert "webhook.test" in page and "webhook-signature" in page

    with django_capture_on_commit_callbacks(execute=True):
        portal.post(f"/portal/deliveries/{delivery.msg_id}/")
    assert list(WebhookAttempt.objects.values_list("is_manual", flat=True)) == [False, True]

    portal.post(url, {"action": "disable"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    response = portal.post(url, {"action": "test"}, follow=True)
    assert "enable it" in response.content.decode()


def test_an_internal_url_is_a_form_error(portal, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = portal.post("/portal/webhooks/", {"url": "http://10.0.0.1/hook"})
    assert response.status_code == 400
    assert "non-public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_usage_counts_requests_per_key(portal, partner_api):
    client = partner_api(portal.partner)
    for _ in range(3):
        client.get("/api/v1/me/")
    page = portal.get("/portal/usage/").content.decode()
    assert "3 requests in total" in page


def test_the_delivery_log_page_has_a_bounded_query_count(
    portal, receiver, django_assert_max_num_queries
):
    endpoint, _ = webhook_endpoint_create(partner=portal.partner, url=receiver.url)
    for _ in range(30):
        webhook_endpoint_send_test(endpoint=endpoint)
    with django_assert_max_num_queries(8):
        response = portal.get("/portal/deliveries/")
    assert response.content.decode().count("webhook.test") == 30


# --- staff pages --------------------------------------------------------------------------------


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_staff_create_a_partner_grant_scopes_and_add_a_portal_user(staff):
    response = staff.post(
        "/partners/new/",
        {"code": "acme", "name": "Acme", "contact_email": "ops@acme.example",
         "allowed_scopes": ["orders:read", "orders:write"]},
    )  # fmt: skip
    assert response.status_code == 302
    from partners.models import Partner

    partner = Partner.objects.get(code="acme")
    assert partner.access.allowed_scopes == ["orders:read", "orders:write"]
    response = staff.post(
        f"/partners/{partner.pk}/",
        {"action": "member", "username": "acme-ops", "email": "a@acme.example",
         "password": "long-enough-pass", "role": "admin"},
    )  # fmt: skip
    assert response.status_code == 302
    membership = PartnerMembership.objects.get(user__username="acme-ops")
    assert membership.partner == partner and membership.is_admin
    assert staff.post("/partners/new/", {"code": "acme", "name": "Again"}).status_code == 400


def test_narrowing_a_grant_strips_scopes_from_keys_and_key_scopes_stay_within_it(staff, partner):
    from partners.services.api_keys import api_key_create

    partner_scopes_set(partner=partner, allowed_scopes=["orders:read", "stock:read"])
    key, _ = api_key_create(partner=partner, name="k", scopes=["orders:read", "stock:read"])
    staff.post(f"/partners/{partner.pk}/", {"allowed_scopes": ["orders:read"]})
    key.refresh_from_db()
    assert key.scopes == ["orders:read"]
    response = staff.post(
        f"/partners/keys/{key.pk}/scopes/", {f"k{key.pk}-scopes": ["stock:write"]}, follow=True
    )
    assert "Not granted" in response.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["orders:read"]


def test_partner_pages_are_for_admins_only(dispatcher, partner):
    client = Client()
    client.force_login(dispatcher)
    assert client.get("/partners/new/").status_code == 403
    assert client.get(f"/partners/{partner.pk}/").status_code == 403


def test_the_demo_data_has_a_partner_portal_login(db):
    """`partner` / the demo password signs in to the portal of the demo partner, whose keys
    may have every scope; loading the demo again changes nothing."""
    import io

    from django.apps import apps

    from core.management.commands.seed_demo import DEMO_PASSWORD

    partner = PartnerFactory(code="acme-shop", name="ACME Shop")
    config = apps.get_app_config("partners")
    config.seed_demo(stdout=io.StringIO())
    config.seed_demo(stdout=io.StringIO())
    assert PartnerMembership.objects.get(user__username="partner").partner == partner
    client = Client()
    assert client.login(username="partner", password=DEMO_PASSWORD)
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/portal/" and "ACME Shop" in home.content.decode()
    created = client.post("/portal/keys/", {"name": "Shop", "scopes": list(ApiKey.Scope.values)})
    assert created.status_code == 200 and 'id="new-key"' in created.content.decode()


def test_the_demo_data_has_the_readme_api_key(db):
    """The partners app seeds the demo partner and the fixed key the README's curl uses."""
    import io

    from django.apps import apps

    from partners.apps import DEMO_API_KEY

    apps.get_app_config("partners").seed_demo(stdout=io.StringIO())
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}")
    assert response.status_code == 200
    assert response.json()["partner"] == "acme-shop"

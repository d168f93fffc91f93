"""Staff changes to partners, granted scopes, API keys and webhook endpoints leave an audit
entry (who, what, when, which object), readable by admins on /partners/audit/ and in the Django
admin, and never editable."""

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from partners.models import ApiKey, AuditEntry, Partner, WebhookEndpoint
from partners.services.webhooks.endpoints import webhook_endpoint_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_staff_actions_on_partners_scopes_and_keys_are_audited(staff, admin_user):
    staff.post(
        "/partners/new/",
        {"code": "acme", "name": "Acme", "allowed_scopes": ["orders:read", "stock:read"]},
    )
    partner = Partner.objects.get(code="acme")
    staff.post(f"/partners/{partner.pk}/", {"allowed_scopes": ["orders:read"]})
    staff.post("/partners/", {"partner": partner.pk, "name": "Shop", "scopes": ["orders:read"]})
    key = ApiKey.objects.get(partner=partner)
    staff.post(f"/partners/keys/{key.pk}/scopes/", {f"k{key.pk}-scopes": []})
    staff.post(f"/partners/keys/{key.pk}/revoke/")
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        "partner.create",
        "partner.scopes_set",
        "partner.scopes_set",
        "api_key.create",
        "api_key.scopes_set",
        "api_key.revoke",
    ]
    assert {(e.actor, e.actor_name, e.partner) for e in entries} == {
        (admin_user, admin_user.username, partner)
    }
    assert entries[2].changes == {"from": ["orders:read", "stock:read"], "to": ["orders:read"]}
    assert entries[5].object_type == "apikey" and entries[5].object_id == str(key.pk)
    assert all(e.at for e in entries)
    page = staff.get("/partners/audit/", {"partner": "acme"}).content.decode()
    assert "api_key.revoke" in page and admin_user.username in page


def test_admin_edits_of_webhook_endpoints_are_audited_and_the_log_is_read_only(admin_user, partner):
    endpoint, _secret = webhook_endpoint_create(partner=partner, url="https://hooks.example.com/a")
    model_admin = site._registry[WebhookEndpoint]
    request = RequestFactory().post("/admin/")
    admin_user.is_staff = admin_user.is_superuser = True  # Django admin access
    admin_user.save()
    request.user = admin_user
    form = model_admin.get_form(request, endpoint, change=True)(
        data={"url": "https://hooks.example.com/b", "description": "", "event_types": "",
              "is_active": "", "disabled_reason": "", "consecutive_failures": "0"},
        instance=endpoint,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    entry = AuditEntry.objects.get(action="webhookendpoint.admin_change")
    assert entry.actor == admin_user and entry.partner == partner
    assert entry.changes["url"] == "https://hooks.example.com/b"
    audit_admin = site._registry[AuditEntry]
    assert not audit_admin.has_change_permission(request, entry)
    assert not audit_admin.has_delete_permission(request, entry)
    assert not audit_admin.has_add_permission(request)


def test_the_audit_page_is_for_admins_only(dispatcher):
    client = Client()
    client.force_login(dispatcher)
    assert client.get("/partners/audit/").status_code == 403


def test_changes_made_with_an_api_key_are_audited_with_the_key_as_actor(
    partner_api, granted_partner, receiver
):
    client = partner_api(granted_partner, scopes=["webhooks:manage", "orders:read"])
    actor = f"API key {client.api_key.prefix} (test key)"
    made = client.post(
        "/api/v1/api-keys/", {"name": "Shop", "scopes": ["orders:read"]}, format="json"
    ).json()
    client.post(f"/api/v1/api-keys/{made['id']}/revoke/")
    endpoint = client.post(
        "/api/v1/webhook-endpoints/", {"url": receiver.url, "event_types": []}, format="json"
    ).json()
    url = f"/api/v1/webhook-endpoints/{endpoint['id']}/"
    client.patch(url, {"is_active": False}, format="json")
    client.post(url + "rotate-secret/", {}, format="json")
    assert client.delete(url).status_code == 204

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        "api_key.create",
        "api_key.revoke",
        "webhook_endpoint.create",
        "webhook_endpoint.update",
        "webhook_endpoint.rotate_secret",
        "webhook_endpoint.delete",
    ]
    assert {(e.actor_name, e.actor_id, e.partner_id) for e in entries} == {
        (actor, None, granted_partner.pk)
    }
    assert entries[0].object_repr.endswith(f"({made['id']}…)")

"""ISO-2 helper: protected fields sent by a client never change anything.

    assert_protected_fields_ignored(client, "post", "/api/v1/orders/", valid_body,
                                    read_back=lambda response: Order.objects.get(...))

sends `valid_body` plus `partner`, `partner_id`, `status`, `tracking_token`, `reserved` (and a
few more) with hostile values, then checks the request was either refused with 400 or
succeeded while every such field that exists on the stored object kept a value the client did
not choose, and the object still belongs to the caller's partner.
"""

from __future__ import annotations

from partners.models import Partner

HOSTILE = {
    "status": "delivered",
    "tracking_token": "attacker-chosen-token-0123456789abcdef",
    "reserved": 99999,
    "on_hand": 99999,
    "is_staff": True,
    "created_by": 1,
    "secret": "whsec_QXR0YWNrZXJDaG9zZW5TZWNyZXRBdHRhY2tlckNob3Nlbg==",
}


def assert_protected_fields_ignored(client, method, url, body, *, read_back, other=None):
    other = other or Partner.objects.create(code=f"other-{id(body)}", name="Other")
    hostile = {**HOSTILE, "partner": other.pk, "partner_id": other.pk, "tenant": other.code}
    response = getattr(client, method)(url, {**body, **hostile}, format="json")
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 400:
        return response
    assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])
    obj = read_back(response)
    owner = getattr(obj, "partner", None)
    if owner is None and hasattr(obj, "endpoint"):
        owner = obj.endpoint.partner
    if owner is not None:
        assert owner == client.partner, f"{method.upper()} {url}: the client chose the partner"
    for name, value in HOSTILE.items():
        if hasattr(obj, name):
            assert getattr(obj, name) != value, f"{method.upper()} {url}: '{name}' was assignable"
    return response

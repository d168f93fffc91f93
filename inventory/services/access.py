"""Granting partners stock writes per warehouse (see inventory.models.PartnerWarehouse)."""

from __future__ import annotations

from inventory.models import PartnerWarehouse, Warehouse


def partner_warehouse_grant(*, partner, warehouse: Warehouse) -> PartnerWarehouse:
    """Let `partner`'s keys with `stock:write` change stock in `warehouse` (idempotent)."""
    grant, _created = PartnerWarehouse.objects.get_or_create(partner=partner, warehouse=warehouse)
    return grant


def partner_warehouse_revoke(*, partner, warehouse: Warehouse) -> None:
    PartnerWarehouse.objects.filter(partner=partner, warehouse=warehouse).delete()

"""Which warehouses a partner's keys may change stock in (`stock:write` is limited to them)."""

from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel
from inventory.models.catalog import Warehouse


class PartnerWarehouse(TimeStampedModel):
    """Staff granted `partner` stock writes in `warehouse` (the scope alone is not enough)."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="warehouse_grants"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="partner_grants"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "warehouse"], name="partnerwarehouse_unique")
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.warehouse.code}"

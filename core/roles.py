"""Staff roles are Django groups (created by migration core.0002_roles).

Kept free of model imports so AppConfigs can use it; the view mixin and DRF permissions that
enforce roles live in core.permissions.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", "Dispatcher"
    WAREHOUSE = "warehouse", "Warehouse"
    PURCHASING = "purchasing", "Purchasing"
    APPROVER = "approver", "Approver"
    DRIVER = "driver", "Driver"
    ADMIN = "admin", "Admin"


STAFF_ROLES = [Role.DISPATCHER, Role.WAREHOUSE, Role.PURCHASING, Role.APPROVER, Role.ADMIN]


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not hasattr(user, "groups"):
        return set()
    cached = getattr(user, "_waybill_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._waybill_roles = cached
    return cached


def user_has_role(user, *roles: str) -> bool:
    held = user_roles(user)
    return Role.ADMIN in held or bool(held.intersection(roles))

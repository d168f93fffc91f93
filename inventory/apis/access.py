"""Who may call the inventory API: staff roles for sessions, scopes for partner keys."""

from rest_framework.permissions import SAFE_METHODS

from core.permissions import HasScope
from core.roles import Role

READ_ROLES = [Role.WAREHOUSE, Role.PURCHASING, Role.DISPATCHER, Role.APPROVER]
WRITE_ROLES = [Role.WAREHOUSE]
CATALOG_WRITE_ROLES = [Role.WAREHOUSE, Role.PURCHASING]


class InventoryAccess:
    """Mixin: reads for any staff role or `stock:read`; stock writes for warehouse staff or
    `stock:write`; reference-data writes for warehouse/purchasing staff only.

    `partner_may_read = False` keeps a read staff-only: the ledger and the reports carry other
    partners' order references, staff user names and costs, so partner keys get 403 there."""

    permission_classes = [HasScope]
    write_roles = WRITE_ROLES
    partner_may_read = True
    partner_may_write = True

    @property
    def required_scopes(self):
        scopes = {"GET": "stock:read"} if self.partner_may_read else {}
        if self.partner_may_write:
            scopes["POST"] = "stock:write"
        return scopes

    @property
    def allowed_roles(self):
        method = getattr(getattr(self, "request", None), "method", "GET")
        return READ_ROLES if method in SAFE_METHODS else self.write_roles

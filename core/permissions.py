"""Role and scope checks for pages and API views.

Pages declare `allowed_roles`; a user outside them gets 403, an anonymous visitor the login
page. Superusers and the admin role may see everything. API views additionally declare
`required_scopes` for partner keys.
"""

from django.contrib.auth.mixins import AccessMixin
from rest_framework import permissions

from core.roles import Role, user_has_role


class RoleRequiredMixin(AccessMixin):
    """Class-based view mixin: `allowed_roles = [Role.WAREHOUSE, …]` (empty = any staff role)."""

    allowed_roles: list[str] = []

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        roles = self.allowed_roles or list(Role.values)
        if not user_has_role(request.user, *roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class HasRole(permissions.BasePermission):
    """DRF permission for staff sessions: the view's `allowed_roles`, any role when empty."""

    def has_permission(self, request, view):
        if getattr(request.user, "partner", None) is not None:
            return False
        roles = getattr(view, "allowed_roles", None) or list(Role.values)
        return user_has_role(request.user, *roles)


class HasScope(permissions.BasePermission):
    """Partner keys need the scope the view names for the method; staff need a role.

    Views set `required_scopes = {"GET": "orders:read", "POST": "orders:write"}` (a missing
    method means partners may not call it) and optionally `allowed_roles` for staff.
    """

    message = "This API key lacks the scope this endpoint needs."

    def has_permission(self, request, view):
        principal = request.user
        if getattr(principal, "partner", None) is not None:
            scopes = getattr(view, "required_scopes", {})
            method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
            needed = scopes.get(method)
            if needed is None:
                return False
            self.message = f"This API key lacks the '{needed}' scope."
            return principal.has_scope(needed)
        return HasRole().has_permission(request, view)

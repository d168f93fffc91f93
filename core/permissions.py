"""Role and scope checks for pages and API views.

Pages declare `allowed_roles`; a user outside them gets 403, an anonymous visitor the login
page. Superusers and the admin role may see everything. API views additionally declare
`required_scopes` for partner keys.

Templates ask the same question before showing a link or a button: `user_can(user, url_name,
*args)` (the `{% can %}` tag of `waybill_perms`) resolves the URL and asks the view class that
would answer it, so a page never offers what its target refuses.
"""

from urllib.parse import urlsplit

from django.contrib.auth.mixins import AccessMixin
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse
from rest_framework import permissions

from core.exceptions import Forbidden
from core.roles import Role, user_has_role


class RoleRequiredMixin(AccessMixin):
    """Class-based view mixin: `allowed_roles = [Role.WAREHOUSE, …]` (empty = any role).

    A view whose actions need different roles (an `action` URL argument) overrides
    `roles_for(**url_kwargs)`; the view's own check and every `{% can %}` read it.
    """

    allowed_roles: list[str] = []

    @classmethod
    def roles_for(cls, **url_kwargs) -> list[str]:
        """The roles that may use this view with these URL arguments."""
        return list(cls.allowed_roles) or list(Role.values)

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return user_has_role(user, *cls.roles_for(**url_kwargs))

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.permits(request.user, **kwargs):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def user_can_path(user, path: str) -> bool:
    """Whether `user` may open `path` (a URL of this site): the answering view's own check.
    Views without a role check of their own (login, customer pages, API docs) are not refused
    here; unknown paths are."""
    path = urlsplit(path).path
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    try:
        match = resolve(path)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    permits = getattr(view_class, "permits", None)
    if permits is None:
        return True
    return permits(user, **match.kwargs)


def user_can(user, url_name: str, *args, **kwargs) -> bool:
    """Whether `user` may use the page `url_name` names with these URL arguments."""
    try:
        path = reverse(url_name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return user_can_path(user, path)


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

    message = "Partner API keys may not call this endpoint."

    def has_permission(self, request, view):
        principal = request.user
        if getattr(principal, "partner", None) is not None:
            scopes = getattr(view, "required_scopes", {})
            method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
            needed = scopes.get(method)
            if needed is None:
                return False
            if not principal.has_scope(needed):
                # A problem naming the scope, so the partner knows which key to ask for.
                detail = f"This API key lacks the '{needed}' scope."
                raise Forbidden(
                    detail,
                    code="missing_scope",
                    errors=[{"field": "scope", "code": "missing_scope", "message": detail}],
                    extra={"required_scope": needed},
                )
            return True
        return HasRole().has_permission(request, view)

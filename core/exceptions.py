"""Domain exceptions raised by services; core.problems maps them to HTTP once."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A business rule refused the operation. `status` is the HTTP status the API answers."""

    status = 422
    code = "invalid"
    title = "The request could not be processed"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: Iterable[dict] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.errors = list(errors or [])
        if field and not self.errors:
            self.errors = [{"field": field, "code": self.code, "message": detail}]
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"
    title = "Validation failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    """The caller may not do this (a partner key without the scope an endpoint needs)."""

    status = 403
    code = "permission_denied"
    title = "Permission denied"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Insufficient stock"


class InvalidTransition(Conflict):
    """A lifecycle move that the transition table does not allow."""

    code = "invalid_transition"
    title = "Invalid state transition"

    def __init__(self, *, current: str, target: str, allowed: Iterable[str], what: str = ""):
        allowed = sorted(allowed)
        name = f"{what} " if what else ""
        detail = (
            f"Cannot move {name}from '{current}' to '{target}'. "
            f"Allowed from '{current}': {', '.join(allowed) or 'none'}."
        )
        super().__init__(
            detail,
            field="status",
            extra={"current_state": current, "allowed_states": allowed},
        )


def assert_transition(table: dict[str, set[str]], *, current: str, target: str, what: str = ""):
    """Raise InvalidTransition unless `table` allows current → target."""
    allowed = table.get(current, set())
    if target not in allowed:
        raise InvalidTransition(current=current, target=target, allowed=allowed, what=what)

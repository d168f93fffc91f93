"""RFC 9457 problem details for every API error (`application/problem+json`).

Body: `{type, title, status, detail, errors: [{field, code, message}]}` plus extension members
(e.g. `current_state`, `allowed_states` for a refused transition).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://waybill.dev/problems/"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    status_code: int,
    *,
    detail: str,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict] | None = None,
    **extra,
) -> dict:
    code = code or _TITLES.get(status_code, "error").lower().replace(" ", "_")
    body = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title or _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or [],
    }
    body.update(extra)
    return body


def flatten_errors(detail, field: str | None = None) -> list[dict]:
    """Turn DRF's nested error structure into `[{field, code, message}]` with dotted paths."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                # DRF reports list items by index ({0: {...}}): keep the row number.
                path = f"{field}[{key}]" if field else f"[{key}]"
            else:
                name = None if key == "non_field_errors" else key
                path = f"{field}.{name}" if field and name else (name or field)
            out.extend(flatten_errors(value, path))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                out.append(_error(field, item))
        else:
            for index, item in enumerate(detail):
                path = f"{field}[{index}]" if field else f"[{index}]"
                out.extend(flatten_errors(item, path))
    else:
        out.append(_error(field, detail))
    return [e for e in out if e["message"]]


def _error(field, item) -> dict:
    return {"field": field, "code": getattr(item, "code", "invalid"), "message": str(item)}


def problem_response(body: dict, headers: dict | None = None) -> Response:
    return Response(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def problem_exception_handler(exc, context):
    """DRF exception handler: every error leaves the API as problem details."""
    headers = {}
    if isinstance(exc, DomainError):
        set_rollback()
        body = problem(
            exc.status,
            detail=exc.detail,
            code=exc.code,
            title=exc.title,
            errors=exc.errors,
            **exc.extra,
        )
        return problem_response(body)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            errors = flatten_errors(exc.detail)
            body = problem(
                status.HTTP_400_BAD_REQUEST,
                detail="The request has invalid fields: "
                + ", ".join(sorted({e["field"] or "body" for e in errors})),
                code="validation_error",
                title="Invalid request",
                errors=errors,
            )
        else:
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
            codes = exc.get_codes()
            body = problem(
                exc.status_code, detail=detail, code=codes if isinstance(codes, str) else None
            )
        return problem_response(body, headers)
    return None  # unexpected: let Django's handler500 answer (also as problem details)


def _json_problem(status_code: int, detail: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code, detail=detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


def wants_problem(request) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def handler404(request, exception=None):
    if wants_problem(request):
        return _json_problem(404, "No resource at this address.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if wants_problem(request):
        return _json_problem(500, "An unexpected error occurred; it has been logged.")
    from django.views.defaults import server_error

    return server_error(request)


_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ProblemDetailsMiddleware:
    """Every error under /api/ leaves as problem details, in every mode. DRF's handler covers
    its own views; this covers what Django answers itself: an unknown URL or an id the URL
    pattern refuses (with DEBUG=1 Django's HTML debug 404, not handler404), a 405 from a plain
    view, a CSRF failure, and the debug 500 page (the traceback is still logged)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith("/api/"):
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        status_code = response.status_code
        details = {
            404: "No resource at this address.",
            405: f"{request.method} is not allowed here.",
            500: "An unexpected error occurred; it has been logged.",
        }
        problem_response = _json_problem(
            status_code, details.get(status_code, _TITLES.get(status_code, "Error"))
        )
        for name in _KEPT_HEADERS:
            if name in response:
                problem_response[name] = response[name]
        return problem_response

"""Reads of optimisation requests, always through the caller's visibility."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from core.exceptions import NotFound
from routing.optimizations.models import OptimizationRequest


def optimization_requests_visible(*, principal) -> QuerySet[OptimizationRequest]:
    """A partner sees its own requests; staff (dispatchers) see every request."""
    partner = getattr(principal, "partner", None)
    requests = OptimizationRequest.objects.all()
    return requests.filter(partner=partner) if partner is not None else requests


def optimization_request_get(*, principal, public_id) -> OptimizationRequest:
    """The request, or 404 when it does not exist or belongs to someone else (the same answer,
    so ids reveal nothing); an id that is no UUID is just as unknown."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        public_id = None
    visible = optimization_requests_visible(principal=principal)
    found = visible.filter(public_id=public_id).first() if public_id else None
    if found is None:
        raise NotFound("No optimization with this id.", field="id")
    return found

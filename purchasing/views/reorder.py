"""Reorder suggestions under the fixed policy, turned into draft orders (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from purchasing import services as svc
from purchasing.selectors import (
    reorder_suggestions,
)


class ReorderView(RoleRequiredMixin, View):
    allowed_roles = [Role.PURCHASING]

    def get(self, request):
        return render(request, "purchasing/reorder.html", {"suggestions": reorder_suggestions()})

    def post(self, request):
        chosen = {int(pk) for pk in request.POST.getlist("product") if pk.isdigit()}
        try:
            orders = svc.reorder_purchase_orders_create(
                user=request.user, product_ids=chosen or None
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("purchasing:reorder")
        if not orders:
            messages.warning(request, "Nothing to order: no suggestion has a supplier.")
            return redirect("purchasing:reorder")
        messages.success(
            request,
            f"Created {len(orders)} draft order{pluralize(len(orders))}: "
            + ", ".join(o.reference for o in orders),
        )
        return redirect(f"{reverse('purchasing:po-list')}?status=draft")

"""The approver's inbox: orders waiting for their decision (thin)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import render
from django.views import View

from core.permissions import RoleRequiredMixin
from core.roles import Role
from purchasing.forms import (
    ActionForm,
)
from purchasing.models import PurchaseOrderLine
from purchasing.selectors import (
    purchase_order_authored_q,
    purchase_order_list,
    purchase_orders_awaiting_approval,
)


class ApprovalInboxView(RoleRequiredMixin, View):
    allowed_roles = [Role.APPROVER]

    def get(self, request):
        orders = purchase_orders_awaiting_approval(user=request.user).prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("product"))
        )
        mine = purchase_order_list(status="submitted").filter(
            purchase_order_authored_q(request.user)
        )
        return render(
            request,
            "purchasing/approvals.html",
            {"orders": orders, "mine": mine, "action_form": ActionForm()},
        )

"""Stock operation forms: receive, transfer, adjust or count, change condition, scrap. The
service decides; its refusal shows under the field it names."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from inventory import forms, services
from inventory.lookups import product_lookup, stock_row_resolve
from inventory.models import Product
from inventory.views.catalog import WRITE_ROLES


class _OperationView(RoleRequiredMixin, FormView):
    """A stock operation form: the service decides; its refusal shows under the field."""

    allowed_roles = WRITE_ROLES
    template_name = "inventory/operation_form.html"
    title = ""
    intro = ""
    submit = "Save"

    def get_initial(self):
        initial = {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}
        for name in ("location", "to_location"):
            if initial.get(name, "").isdigit():
                initial[name] = int(initial[name])
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, intro=self.intro, submit=self.submit)
        context["skus"] = Product.objects.filter(is_active=True).values_list("sku", "name")[:2000]
        return context

    def form_valid(self, form):
        try:
            message, sku = self.perform(form)
        except DomainError as exc:
            errors = exc.errors or [{"field": None, "message": exc.detail}]
            for error in errors:
                field = error.get("field")
                form.add_error(field if field in form.fields else None, error["message"])
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(reverse("inventory:product", args=[sku]))


class ReceiveView(_OperationView):
    form_class = forms.ReceiveForm
    title = "Receive stock"
    intro = "Book units arriving at a location. Perishable products get a lot and expiry date."
    submit = "Receive"

    def perform(self, form):
        data = form.cleaned_data
        product = product_lookup(data["product"].strip())
        stock = services.stock_receive(
            product=product,
            location=data["location"],
            quantity=data["quantity"],
            condition=data["condition"],
            lot_code=data["lot_code"] or None,
            expires_at=data["expires_at"],
            unit_cost=data["unit_cost"],
            reference=data["reference"],
            reason=data["reason"],
            user=self.request.user,
        )
        return f"Received {data['quantity']} x {product.sku} at {stock.location}.", product.sku


class TransferView(_OperationView):
    form_class = forms.TransferForm
    title = "Transfer stock"
    intro = "Move unreserved units to another location. Reserved units stay where they are."
    submit = "Transfer"

    def perform(self, form):
        data = form.cleaned_data
        source = stock_row_resolve(form.stock_key())
        target = services.stock_transfer(
            stock=source,
            to_location=data["to_location"],
            quantity=data["quantity"],
            between_warehouses=data["between_warehouses"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"Moved {data['quantity']} x {source.product.sku} from {source.location} to "
            f"{target.location}.",
            source.product.sku,
        )


class AdjustView(_OperationView):
    form_class = forms.AdjustForm
    title = "Adjust or count stock"
    intro = (
        "Correct a quantity with a reason, or book a cycle count: the counted quantity replaces "
        "the system's and the difference is recorded."
    )
    submit = "Book"

    def perform(self, form):
        data = form.cleaned_data
        if data.get("counted") is not None:
            row = stock_row_resolve(form.stock_key(), create=True)
            stock = services.stock_count(
                stock=row,
                counted=data["counted"],
                reason=data["reason"],
                reference=data["reference"],
                user=self.request.user,
            )
            return f"Count booked: {stock.on_hand} at {stock.location}.", stock.product.sku
        row = stock_row_resolve(form.stock_key(), create=data["delta"] > 0)
        stock = services.stock_adjust(
            stock=row,
            delta=data["delta"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"Adjusted by {data['delta']:+d}: {stock.on_hand} at {stock.location}.",
            stock.product.sku,
        )


class ConditionView(_OperationView):
    form_class = forms.ConditionForm
    title = "Change condition"
    intro = "Re-grade unreserved units, e.g. move damaged goods into quarantine."
    submit = "Change condition"

    def perform(self, form):
        data = form.cleaned_data
        source = stock_row_resolve(form.stock_key())
        target = services.stock_condition_change(
            stock=source,
            to_condition=data["to_condition"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"{data['quantity']} x {source.product.sku} now {target.condition} "
            f"at {target.location}.",
            source.product.sku,
        )


class ScrapView(_OperationView):
    form_class = forms.ScrapForm
    title = "Scrap stock"
    intro = "Write off unreserved units that cannot be sold or returned."
    submit = "Scrap"

    def perform(self, form):
        data = form.cleaned_data
        stock = services.stock_scrap(
            stock=stock_row_resolve(form.stock_key()),
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return f"Scrapped {data['quantity']} x {stock.product.sku}.", stock.product.sku

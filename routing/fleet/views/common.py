"""What the fleet pages share: who may use them, and showing a service's refusal on the form
field it names."""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role


class FleetView(RoleRequiredMixin, View):
    """Dispatchers book and edit the fleet (admins may too); nobody else sees it."""

    allowed_roles = [Role.DISPATCHER]


def form_error(form, exc: DomainError, *, aliases: dict | None = None) -> None:
    """Put each error of `exc` on the form field it names (`breaks[1]` → the second break's
    row), else on the whole form."""
    aliases = aliases or {}
    errors = exc.errors or [{"field": None, "message": exc.detail}]
    for error in errors:
        name = error.get("field") or ""
        match = re.match(r"breaks\[(\d+)\]", name)
        if match:
            name = f"break{match.group(1)}_earliest"
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, error.get("message") or exc.detail)


class DeleteConfirmView(FleetView):
    """GET asks, POST deletes through `delete(obj)`; a refusal is shown on the same page."""

    template_name = "routing/fleet/confirm_delete.html"
    back_url = ""
    done_url = ""

    def get_object(self, **kwargs):
        raise NotImplementedError

    def delete(self, obj) -> None:
        raise NotImplementedError

    def describe(self, obj) -> str:
        return str(obj)

    def get(self, request, **kwargs):
        obj = self.get_object(**kwargs)
        return render(request, self.template_name, self._context(obj))

    def post(self, request, **kwargs):
        obj = self.get_object(**kwargs)
        label = self.describe(obj)
        try:
            self.delete(obj)
        except DomainError as exc:
            context = self._context(obj)
            context["error"] = exc.detail
            return render(request, self.template_name, context, status=409)
        messages.success(request, f"Deleted {label}.")
        return redirect(self.done_url)

    def _context(self, obj) -> dict:
        return {"what": self.describe(obj), "back_url": self.back_url_for(obj)}

    def back_url_for(self, obj) -> str:
        return self.back_url

"""Staff pages for partners: create a partner, grant scopes, add portal users, set key scopes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.exceptions import DomainError
from core.models import ApiKey, Partner
from core.permissions import RoleRequiredMixin
from core.portal.forms import (
    ApiKeyScopesForm,
    MemberCreateForm,
    PartnerCreateForm,
    PartnerScopesForm,
    apply_domain_error,
)
from core.portal.services import (
    api_key_scopes_set,
    partner_allowed_scopes,
    partner_create,
    partner_member_add,
    partner_scopes_set,
)
from core.roles import Role


class PartnerCreateView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def get(self, request, form=None, status=200):
        return render(
            request, "core/portal/staff_partner_new.html", {"form": form or PartnerCreateForm()},
            status=status,
        )  # fmt: skip

    def post(self, request):
        form = PartnerCreateForm(request.POST)
        if form.is_valid():
            try:
                partner = partner_create(**form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Partner {partner.name} created.")
                return redirect("partner-manage", pk=partner.pk)
        return self.get(request, form=form, status=400)


class PartnerManageView(RoleRequiredMixin, View):
    """One partner: granted scopes, portal users, and each key's scopes."""

    allowed_roles = [Role.ADMIN]

    def get(self, request, pk, scopes_form=None, member_form=None, status=200):
        partner = get_object_or_404(Partner, pk=pk)
        granted = partner_allowed_scopes(partner=partner)
        keys = partner.api_keys.order_by("-id")
        scopes_form = scopes_form or PartnerScopesForm(initial={"allowed_scopes": granted})
        return render(
            request,
            "core/portal/staff_partner.html",
            {
                "partner": partner,
                "scopes_form": scopes_form,
                "member_form": member_form or MemberCreateForm(),
                "members": partner.memberships.select_related("user").order_by("user__username"),
                "keys": [(k, ApiKeyScopesForm(initial={"scopes": k.scopes}, prefix=f"k{k.pk}"))
                         for k in keys],
                "endpoints": partner.webhook_endpoints.order_by("-id"),
            },
            status=status,
        )  # fmt: skip

    def post(self, request, pk):
        partner = get_object_or_404(Partner, pk=pk)
        if request.POST.get("action") == "member":
            form = MemberCreateForm(request.POST)
            if form.is_valid():
                try:
                    partner_member_add(partner=partner, **form.cleaned_data)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, f"Portal user {form.cleaned_data['username']} added.")
                    return redirect("partner-manage", pk=pk)
            return self.get(request, pk, member_form=form, status=400)
        form = PartnerScopesForm(request.POST)
        if form.is_valid():
            partner_scopes_set(partner=partner, allowed_scopes=form.cleaned_data["allowed_scopes"])
            messages.success(request, "Granted scopes saved; keys keep only granted scopes.")
            return redirect("partner-manage", pk=pk)
        return self.get(request, pk, scopes_form=form, status=400)


class ApiKeyScopesView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def post(self, request, pk):
        key = get_object_or_404(ApiKey.objects.select_related("partner"), pk=pk)
        form = ApiKeyScopesForm(request.POST, prefix=f"k{key.pk}")
        if form.is_valid():
            try:
                api_key_scopes_set(api_key=key, scopes=form.cleaned_data["scopes"])
                messages.success(request, f"Scopes of {key.prefix}… saved.")
            except DomainError as exc:
                messages.error(request, exc.detail)
        else:
            messages.error(request, "Invalid scopes.")
        return redirect("partner-manage", pk=key.partner_id)

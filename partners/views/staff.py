"""Staff pages for partners (admin role): list partners and their keys, create a partner, grant
scopes, add portal users, create, revoke and re-scope keys."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from partners.forms import (
    ApiKeyForm,
    ApiKeyScopesForm,
    MemberCreateForm,
    PartnerCreateForm,
    PartnerScopesForm,
    apply_domain_error,
)
from partners.models import ApiKey, AuditEntry, Partner
from partners.selectors import partner_allowed_scopes
from partners.services.accounts import (
    partner_create,
    partner_delivery_pin_set,
    partner_member_add,
    partner_scopes_set,
)
from partners.services.api_keys import api_key_create, api_key_revoke, api_key_scopes_set


class PartnerListView(RoleRequiredMixin, View):
    """Partners and their API keys; an admin creates (shown once) and revokes keys here."""

    allowed_roles = [Role.ADMIN]

    def get(self, request, form=None, new_key=None):
        partners = Partner.objects.prefetch_related("api_keys").order_by("name")
        return render(
            request,
            "partners/staff/list.html",
            {
                "partners": partners,
                "form": form or ApiKeyForm(),
                "new_key": new_key,
                "now": timezone.now(),
            },
        )

    def post(self, request):
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        key, raw = api_key_create(
            partner=form.cleaned_data["partner"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
            created_by=request.user,
        )
        messages.success(request, f"Key {key.prefix}… created. Copy it now: it is shown once.")
        return self.get(request, new_key=raw)


class ApiKeyRevokeView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def post(self, request, pk):
        key = api_key_revoke(api_key=get_object_or_404(ApiKey, pk=pk), actor=request.user)
        messages.success(request, f"Key {key.prefix}… revoked.")
        return redirect("partners")


class PartnerCreateView(RoleRequiredMixin, View):
    allowed_roles = [Role.ADMIN]

    def get(self, request, form=None, status=200):
        return render(
            request, "partners/staff/new.html", {"form": form or PartnerCreateForm()},
            status=status,
        )  # fmt: skip

    def post(self, request):
        form = PartnerCreateForm(request.POST)
        if form.is_valid():
            try:
                partner = partner_create(**form.cleaned_data, actor=request.user)
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
            "partners/staff/manage.html",
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
                    partner_member_add(partner=partner, **form.cleaned_data, actor=request.user)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, f"Portal user {form.cleaned_data['username']} added.")
                    return redirect("partner-manage", pk=pk)
            return self.get(request, pk, member_form=form, status=400)
        if request.POST.get("action") == "delivery_pin":
            required = request.POST.get("requires_delivery_pin") == "on"
            partner_delivery_pin_set(partner=partner, required=required, actor=request.user)
            messages.success(
                request,
                "New orders need a delivery PIN unless they say otherwise."
                if required
                else "New orders need no delivery PIN unless they ask for one.",
            )
            return redirect("partner-manage", pk=pk)
        form = PartnerScopesForm(request.POST)
        if form.is_valid():
            partner_scopes_set(
                partner=partner,
                allowed_scopes=form.cleaned_data["allowed_scopes"],
                actor=request.user,
            )
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
                api_key_scopes_set(
                    api_key=key, scopes=form.cleaned_data["scopes"], actor=request.user
                )
                messages.success(request, f"Scopes of {key.prefix}… saved.")
            except DomainError as exc:
                messages.error(request, exc.detail)
        else:
            messages.error(request, "Invalid scopes.")
        return redirect("partner-manage", pk=key.partner_id)


class AuditLogView(RoleRequiredMixin, View):
    """The audit trail of partner, key, scope and webhook endpoint changes (read-only)."""

    allowed_roles = [Role.ADMIN]

    def get(self, request):
        entries = AuditEntry.objects.select_related("partner").order_by("-at", "-id")
        partner = request.GET.get("partner", "")
        if partner:
            entries = entries.filter(partner__code=partner)
        return render(
            request,
            "partners/staff/audit.html",
            {"entries": entries[:200], "partner": partner},
        )

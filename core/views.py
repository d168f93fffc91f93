from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.api_keys import api_key_create, api_key_revoke
from core.forms import ApiKeyForm
from core.models import ApiKey, Partner
from core.navigation import dashboard_cards_for
from core.permissions import RoleRequiredMixin
from core.roles import Role, user_roles


class DashboardView(LoginRequiredMixin, TemplateView):
    """Home page: counts that matter to the signed-in user's roles."""

    template_name = "core/dashboard.html"

    def get(self, request, *args, **kwargs):
        # Partner portal users have no staff role: their home is the portal.
        if hasattr(request.user, "partner_membership"):
            return redirect("portal:home")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = dashboard_cards_for(self.request.user)
        context["roles"] = sorted(user_roles(self.request.user))
        return context


class PartnerListView(RoleRequiredMixin, View):
    """Partners and their API keys; an admin creates (shown once) and revokes keys here."""

    allowed_roles = [Role.ADMIN]

    def get(self, request, form=None, new_key=None):
        partners = Partner.objects.prefetch_related("api_keys").order_by("name")
        return render(
            request,
            "core/partners.html",
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
        key = api_key_revoke(api_key=get_object_or_404(ApiKey, pk=pk))
        messages.success(request, f"Key {key.prefix}… revoked.")
        return redirect("partners")

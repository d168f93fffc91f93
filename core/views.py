from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.generic import TemplateView

from core.navigation import dashboard_cards_for, home_url_for
from core.roles import user_roles


class DashboardView(LoginRequiredMixin, TemplateView):
    """Home page: counts that matter to the signed-in user's roles."""

    template_name = "core/dashboard.html"

    def get(self, request, *args, **kwargs):
        home = home_url_for(request.user)
        if home:
            return redirect(home)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = dashboard_cards_for(self.request.user)
        context["roles"] = sorted(user_roles(self.request.user))
        return context


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (printouts, files, errors)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))

"""Partner portal pages (/portal/): a partner's users manage keys, webhooks, see usage.

Every page reads through `partners.selectors` scoped to the signed-in user's partner, so an
id from another partner is a 404. Viewers may look; only admins may change anything.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.exceptions import DomainError
from partners import selectors
from partners.forms import ApiKeyCreateForm, DeliveryFilterForm, EndpointForm, apply_domain_error
from partners.models import PartnerMembership, WebhookDelivery
from partners.selectors import partner_allowed_scopes
from partners.services.api_keys import api_key_revoke, partner_api_key_create
from partners.services.webhooks.delivery import webhook_delivery_replay, webhook_endpoint_send_test
from partners.services.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from partners.services.webhooks.signing import event_body


class PortalMixin(AccessMixin):
    """Signed-in partner users only; unsafe methods need the partner admin role."""

    section = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = (
            PartnerMembership.objects.select_related("partner").filter(user=request.user).first()
        )
        if membership is None or not membership.partner.is_active:
            raise PermissionDenied("This page is for partner accounts.")
        if request.method not in ("GET", "HEAD") and not membership.is_admin:
            raise PermissionDenied("Only your partner's admins may change this.")
        self.membership = membership
        self.partner = membership.partner
        return super().dispatch(request, *args, **kwargs)

    def render(self, template, context=None, status=200):
        base = {"partner": self.partner, "membership": self.membership, "section": self.section}
        return render(self.request, template, base | (context or {}), status=status)


class PortalHomeView(PortalMixin, View):
    section = "home"

    def get(self, request):
        since = timezone.now() - timedelta(days=1)
        deliveries = selectors.partner_webhook_deliveries(partner=self.partner).filter(
            created_at__gte=since
        )
        counts = deliveries.aggregate(
            total=Count("id"),
            failed=Count("id", filter=Q(status=WebhookDelivery.Status.FAILED)),
            pending=Count("id", filter=Q(status=WebhookDelivery.Status.PENDING)),
        )
        usage = selectors.partner_usage(partner=self.partner, days=1)
        return self.render(
            "partners/portal/home.html",
            {
                "live_keys": selectors.partner_api_keys(partner=self.partner)
                .filter(revoked_at__isnull=True)
                .count(),
                "endpoints": selectors.partner_webhook_endpoints(partner=self.partner),
                "counts": counts,
                "requests_today": usage["total"],
            },
        )


class PortalKeysView(PortalMixin, View):
    section = "keys"

    def _form(self, data=None):
        return ApiKeyCreateForm(data, allowed_scopes=partner_allowed_scopes(partner=self.partner))

    def get(self, request, form=None, new_key=None, status=200):
        return self.render(
            "partners/portal/keys.html",
            {
                "keys": selectors.partner_api_keys(partner=self.partner),
                "form": form or self._form(),
                "new_key": new_key,
                "now": timezone.now(),
            },
            status=status,
        )

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                key, raw = partner_api_key_create(
                    partner=self.partner, created_by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Key {key.prefix}… created. Copy it now: shown once.")
                return self.get(request, new_key=raw)
        return self.get(request, form=form, status=400)


class PortalKeyRevokeView(PortalMixin, View):
    def post(self, request, prefix):
        key = get_object_or_404(selectors.partner_api_keys(partner=self.partner), prefix=prefix)
        api_key_revoke(api_key=key, actor=request.user)
        messages.success(request, f"Key {key.prefix}… revoked.")
        return redirect("portal:keys")


class PortalEndpointsView(PortalMixin, View):
    section = "webhooks"

    def get(self, request, form=None, created=None, secret=None, status=200):
        return self.render(
            "partners/portal/endpoints.html",
            {
                "endpoints": selectors.partner_webhook_endpoints(partner=self.partner),
                "form": form or EndpointForm(),
                "created": created,
                "secret": secret,
            },
            status=status,
        )

    def post(self, request):
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = webhook_endpoint_create(
                    partner=self.partner, created_by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, "Endpoint added. Copy its signing secret now.")
                return self.get(request, created=endpoint, secret=secret)
        return self.get(request, form=form, status=400)


class PortalEndpointDetailView(PortalMixin, View):
    section = "webhooks"
    ACTIONS = {"rotate", "disable", "enable", "test", "delete"}

    def _get(self, public_id):
        return get_object_or_404(
            selectors.partner_webhook_endpoints(partner=self.partner), public_id=public_id
        )

    def get(self, request, public_id, form=None, secret=None, status=200):
        endpoint = self._get(public_id)
        initial = {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
        }
        recent = selectors.partner_webhook_deliveries(partner=self.partner).filter(
            endpoint=endpoint
        )[:20]
        return self.render(
            "partners/portal/endpoint.html",
            {
                "endpoint": endpoint,
                "form": form or EndpointForm(initial=initial),
                "secret": secret,
                "deliveries": recent,
                "overlap_active": endpoint.previous_secret_expires_at
                and endpoint.previous_secret_expires_at > timezone.now(),
            },
            status=status,
        )

    def post(self, request, public_id):
        endpoint = self._get(public_id)
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                form = EndpointForm(request.POST)
                if not form.is_valid():
                    return self.get(request, public_id, form=form, status=400)
                try:
                    webhook_endpoint_update(
                        endpoint=endpoint, **form.cleaned_data, actor=request.user
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc)
                    return self.get(request, public_id, form=form, status=400)
                messages.success(request, "Endpoint saved.")
            elif action == "rotate":
                _endpoint, secret = webhook_endpoint_rotate_secret(
                    endpoint=endpoint, actor=request.user
                )
                messages.success(
                    request, "New secret created; the old one keeps signing during the overlap."
                )
                return self.get(request, public_id, secret=secret)
            elif action in ("disable", "enable"):
                webhook_endpoint_update(
                    endpoint=endpoint, is_active=action == "enable", actor=request.user
                )
                messages.success(request, f"Endpoint {action}d.")
            elif action == "test":
                delivery = webhook_endpoint_send_test(endpoint=endpoint)
                messages.success(request, f"Test event queued ({delivery.msg_id}).")
            elif action == "delete":
                webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
                messages.success(request, "Endpoint deleted.")
                return redirect("portal:endpoints")
            else:
                messages.error(request, "Unknown action.")
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect("portal:endpoint", public_id=public_id)


class PortalDeliveriesView(PortalMixin, View):
    section = "deliveries"

    def get(self, request):
        form = DeliveryFilterForm(request.GET or None)
        deliveries = selectors.partner_webhook_deliveries(partner=self.partner)
        if form.is_valid():
            if form.cleaned_data["status"]:
                deliveries = deliveries.filter(status=form.cleaned_data["status"])
            if form.cleaned_data["endpoint"]:
                deliveries = deliveries.filter(endpoint__public_id=form.cleaned_data["endpoint"])
        page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
        return self.render("partners/portal/deliveries.html", {"form": form, "page": page})


class PortalDeliveryDetailView(PortalMixin, View):
    section = "deliveries"

    def _get(self, msg_id):
        return get_object_or_404(
            selectors.partner_webhook_deliveries(partner=self.partner), msg_id=msg_id
        )

    def get(self, request, msg_id):
        delivery = self._get(msg_id)
        return self.render(
            "partners/portal/delivery.html",
            {
                "delivery": delivery,
                "attempts": selectors.delivery_attempts(delivery=delivery),
                "body": event_body(delivery.event).decode(),
            },
        )

    def post(self, request, msg_id):
        try:
            webhook_delivery_replay(delivery=self._get(msg_id))
            messages.success(request, "Replay queued: same webhook-id, freshly signed.")
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect(reverse("portal:delivery", args=[msg_id]))


class PortalUsageView(PortalMixin, View):
    section = "usage"

    def get(self, request):
        usage = selectors.partner_usage(partner=self.partner, days=14)
        peak = max([c for row in usage["rows"] for c in row["counts"]] or [0]) or 1
        return self.render("partners/portal/usage.html", {"usage": usage, "peak": peak})

"""Forms for the partner portal and the staff partner pages (parse input; services decide)."""

from django import forms
from django.utils import timezone

from partners.models import ApiKey, Partner, PartnerMembership, WebhookDelivery


def apply_domain_error(form: forms.Form, exc) -> None:
    """Show a service's ValidationFailed on the field it names (or on the form)."""
    for error in exc.errors or [{"field": None, "message": exc.detail}]:
        field = error.get("field")
        form.add_error(field if field in form.fields else None, error["message"])


class _ApiKeyFields(forms.Form):
    """What every new API key is given: a name, scopes and an optional expiry in the future."""

    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. 'Shop backend'.")
    scopes = forms.MultipleChoiceField(
        choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for a key that does not expire.",
    )

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value and value <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return value


class ApiKeyCreateForm(_ApiKeyFields):
    """A partner's own key: scopes within what Waybill granted the partner (maybe none)."""

    def __init__(self, *args, allowed_scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ApiKey.Scope.choices)
        scopes = self.fields["scopes"]
        scopes.required = False
        scopes.choices = [(s, f"{s} — {labels[s]}") for s in allowed_scopes]
        if not allowed_scopes:
            scopes.help_text = "Waybill has not granted your account any scopes yet."


class EventTypesField(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value) or ""
        return [t.strip() for t in text.replace("\n", ",").split(",") if t.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class EndpointForm(forms.Form):
    url = forms.URLField(
        max_length=2000, label="URL", assume_scheme="https", help_text="Your HTTPS receiver."
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = EventTypesField(
        required=False,
        help_text="Comma-separated, e.g. <code>order.created, order.delivered</code>. "
        "Empty = all events.",
    )


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *WebhookDelivery.Status.choices], required=False
    )
    endpoint = forms.CharField(required=False)


# --- staff --------------------------------------------------------------------------------------


class ApiKeyForm(_ApiKeyFields):
    """Staff issue a key for any active partner."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(is_active=True))
    field_order = ["partner", "name", "scopes", "expires_at"]


class PartnerCreateForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Short unique id, e.g. 'acme-shop'.")
    name = forms.CharField(max_length=200)
    contact_email = forms.EmailField(
        required=False, help_text="Receives notices such as a disabled webhook endpoint."
    )
    allowed_scopes = forms.MultipleChoiceField(
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The scopes this partner's keys may hold.",
    )


class PartnerScopesForm(forms.Form):
    allowed_scopes = forms.MultipleChoiceField(
        choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class ApiKeyScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class MemberCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=10)
    role = forms.ChoiceField(choices=PartnerMembership.Role.choices)

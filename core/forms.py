from django import forms
from django.utils import timezone

from core.models import ApiKey, Partner


class ApiKeyForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(is_active=True))
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

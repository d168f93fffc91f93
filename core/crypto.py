"""Secrets at rest: Fernet encryption keyed from the environment, with key rotation.

`WEBHOOK_SECRET_KEYS` (settings, from the environment) lists Fernet keys, newest first: values
are encrypted with the first and decrypted with any, so a new key is rolled out by putting it in
front, re-encrypting (`secrets_reencrypt`), then dropping the old one. Without the setting a key
is derived from SECRET_KEY, so development needs nothing (production should set its own keys).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _keys() -> list[str]:
    keys = [k for k in getattr(settings, "WEBHOOK_SECRET_KEYS", []) if k]
    if keys:
        return keys
    derived = hashlib.sha256(b"waybill-secrets-at-rest:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(derived).decode()]


def secret_box() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "WEBHOOK_SECRET_KEYS must hold Fernet keys (Fernet.generate_key())."
        ) from exc


def secret_encrypt(value: str) -> str:
    return secret_box().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    """The plain value; a token no configured key opens is a configuration error, said loudly."""
    if not token:
        return ""
    try:
        return secret_box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any key in WEBHOOK_SECRET_KEYS."
        ) from exc


class EncryptedTextField(models.TextField):
    """Text stored encrypted (see the module docstring); Python code sees the plain value.

    Not searchable: every encryption differs, so filter on another column."""

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value is not None else value


def secrets_reencrypt(model: type[models.Model], *fields: str) -> int:
    """Re-encrypt `fields` of every row with the first key (after a key rotation); returns the
    number of rows."""
    count = 0
    for row in model._default_manager.only("pk", *fields).iterator():
        row.save(update_fields=list(fields))
        count += 1
    return count

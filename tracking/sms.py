"""Text messages to customers through a pluggable provider.

`TRACKING_SMS_PROVIDER` is the dotted path of a class with `send(*, to: str, text: str)`;
it raises on failure (the caller's task retries). Shipped providers:

- `tracking.sms.ConsoleSmsProvider` (the default, for development): logs the message on the
  `waybill.sms` logger, i.e. the worker's console. It prints the delivery PIN: never use it in
  production.
- `tracking.sms.MemorySmsProvider`: keeps messages in `tracking.sms.outbox` (tests).
- an empty setting sends no SMS (e-mail only).

A production provider (Twilio, MessageBird, …) is a small class with the same `send`; point the
setting at it.
"""

from __future__ import annotations

import logging

from django.utils.module_loading import import_string

from tracking import conf

logger = logging.getLogger("waybill.sms")
outbox: list[dict] = []


class ConsoleSmsProvider:
    def send(self, *, to: str, text: str) -> None:
        logger.warning("SMS to %s: %s", to, text)


class MemorySmsProvider:
    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


def sms_provider():
    """The configured provider, or None when SMS is off."""
    path = conf.get("TRACKING_SMS_PROVIDER")
    return import_string(path)() if path else None


def sms_send(*, to: str, text: str) -> bool:
    provider = sms_provider()
    if provider is None or not to:
        return False
    provider.send(to=to, text=text)
    return True

"""App settings: an app declares its knobs with their types and defaults in one place.

A value set in Django settings wins (so tests override it with pytest-django's `settings`
fixture like any other setting); otherwise the environment variable of the same name is read,
typed by django-environ; otherwise the declared default applies. Keeping the declarations in
the app (`<app>/conf.py`) lets each app own its knobs without growing config/settings.py.
"""

from __future__ import annotations

import environ
from django.conf import settings

# django-environ readers by name: "str", "int", "float", "bool", "list", ...
Default = tuple[str, object]


class AppSettings:
    """`AppSettings({"ROUTING_QUEUE": ("str", "celery"), ...}).get("ROUTING_QUEUE")`."""

    def __init__(self, defaults: dict[str, Default]):
        self.defaults = dict(defaults)
        self._env = environ.Env()

    def get(self, name: str):
        if hasattr(settings, name):
            return getattr(settings, name)
        kind, default = self.defaults[name]
        return getattr(self._env, kind)(name, default=default)

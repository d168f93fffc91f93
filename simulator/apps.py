from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Fleet simulator: plays published plans through the driver API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "simulator"
    verbose_name = "Fleet simulator"

from django.apps import AppConfig

from orders import customer_app, purchasing_app


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    # Customer orders and purchasing each contribute their part (purchasing: purchasing_app.py).
    nav_items = [
        *customer_app.NAV_ITEMS,
        *purchasing_app.NAV_ITEMS,
    ]

    def ready(self):
        purchasing_app.ready()

    def dashboard_cards(self, user):
        return [*customer_app.dashboard_cards(user), *purchasing_app.dashboard_cards(user)]

    def seed_demo(self, *, stdout):
        # Purchasing first: customer demo orders then reserve from what is in stock.
        purchasing_app.seed_demo(stdout=stdout)
        customer_app.seed_demo(stdout=stdout)

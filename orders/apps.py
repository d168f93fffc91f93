from django.apps import AppConfig

from orders import customer_app


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    nav_items = customer_app.NAV_ITEMS

    def dashboard_cards(self, user):
        return customer_app.dashboard_cards(user)

    def seed_demo(self, *, stdout):
        customer_app.seed_demo(stdout=stdout)

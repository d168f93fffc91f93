"""Orders models: customer orders and returns (customer.py), purchasing (purchasing.py)."""

from orders.models.customer import *  # noqa: F403

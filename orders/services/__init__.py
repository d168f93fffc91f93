"""Orders services: customer orders and returns (customer*.py), purchasing (purchasing*.py)."""

"""Orders API views: customer orders and returns (customer.py), purchasing (purchasing*.py)."""

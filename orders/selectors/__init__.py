"""Orders reads: customer orders (customer.py), purchasing (purchasing.py)."""

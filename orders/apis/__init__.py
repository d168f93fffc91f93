"""Orders API: customer orders (orders.py), returns (returns.py), shared access rules and
serializers (common.py)."""

"""Customer orders, parcels, delivery attempts, returns (issue 7)."""

"""Orders models (filled in by the orders issue)."""

"""Routing models (filled in by the routing issue)."""

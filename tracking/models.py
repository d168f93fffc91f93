"""Tracking models (filled in by the tracking issue)."""

"""Suppliers, purchase orders, approvals, receipts (issue 6)."""

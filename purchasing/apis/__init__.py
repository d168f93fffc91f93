"""Purchasing API: suppliers (suppliers.py), purchase orders (purchase_orders.py) and their
lifecycle actions (actions.py), reorder suggestions (reorder.py); shared serializers and access
rules in common.py. Staff sessions only (partner keys get 403)."""

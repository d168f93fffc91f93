"""Partner-facing API: `api_keys`, `webhooks` (endpoints and the delivery log)."""

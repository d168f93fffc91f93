"""Standard Webhooks: `signing` (secrets, signed headers), `endpoints` (what a partner
registers), `delivery` (outbox fan-out, sending, retries, replay, sweep)."""

"""Partner portal and partner-facing management API: API keys, webhook endpoints, deliveries.

Pages live under /portal/ (for users with a `PartnerMembership`), the API under /api/v1/ (for
keys with the `webhooks:manage` scope). Both read only through `selectors` scoped to one partner.
"""

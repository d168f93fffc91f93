"""Partners: accounts, API keys and scopes, API-key authentication and throttling, Standard
Webhooks, the partner portal (/portal/) and the staff partner pages (/partners/).

Pages and API read only through `selectors` scoped to one partner, so another partner's id
answers 404.
"""

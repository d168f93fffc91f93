"""Writes for partners: accounts and scope grants, API keys, webhooks."""

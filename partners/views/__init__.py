"""Pages: `portal` (a partner's own users) and `staff` (partner management by admins)."""

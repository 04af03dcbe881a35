"""The audit log: one append-only row per admin action and sensitive supplier action."""

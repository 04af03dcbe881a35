"""Admin dashboard pages (being built)."""

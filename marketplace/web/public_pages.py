"""Public pages: the catalog search, product and supplier pages (being built)."""

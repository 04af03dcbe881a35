"""Catalog search: full-text indexes on SQLite (FTS5) and PostgreSQL (tsvector + GIN),
filters, facets and keyset pagination for ``GET /api/v1/products``."""

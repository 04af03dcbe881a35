"""The database side of search: a ``SearchBackend`` per SQL dialect (``postgresql``,
``sqlite``) holds every statement whose SQL differs between them; the rest of
``marketplace.search`` (and the supplier directory) is one code path that asks
``backend_for(...)`` for them."""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from marketplace.search.backends.base import SearchBackend
from marketplace.search.backends.postgresql import PostgreSQLBackend
from marketplace.search.backends.sqlite import SQLiteBackend

__all__ = ["SearchBackend", "UnsupportedDatabase", "backend_for"]

# Stateless: one instance per dialect serves every engine and connection.
_BACKENDS: dict[str, SearchBackend] = {
    backend.dialect: backend for backend in (PostgreSQLBackend(), SQLiteBackend())
}


class UnsupportedDatabase(RuntimeError):
    """Search has no backend for this database (PostgreSQL and SQLite only)."""


def backend_for(bind: Connection | Engine | Session | scoped_session) -> SearchBackend:
    """The backend of the database behind ``bind`` (a session asks its bind)."""
    if not isinstance(bind, Connection | Engine):
        bind = bind.get_bind()
    try:
        return _BACKENDS[bind.dialect.name]
    except KeyError:
        raise UnsupportedDatabase(
            f"Search runs on PostgreSQL or SQLite, not {bind.dialect.name!r}."
        ) from None

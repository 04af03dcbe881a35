"""Throw-away databases for a test worker: a temp SQLite file, or a fresh PostgreSQL
database named after ``TEST_DATABASE_URL``'s (never ``DATABASE_URL``: see stack.md)."""

from __future__ import annotations

import os

import sqlalchemy as sa

from config import normalise_database_url


def worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin_engine(url: sa.engine.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def fresh_database_url(tmp_dir, label: str) -> str:
    """A new, empty database for this worker: ``<tmp_dir>/<label>-<worker>.db``, or on
    PostgreSQL ``<TEST_DATABASE_URL's name>_<label>_<worker>`` (dropped first if a
    previous run left it)."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{tmp_dir}/{label}-{worker_suffix()}.db"
    url = normalise_database_url(url)
    if not url.startswith("postgresql"):
        return url
    base = sa.engine.make_url(url)
    name = "_".join(part for part in (base.database, label, worker_suffix()) if part)
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database made by ``fresh_database_url`` (SQLite files live in
    pytest's temp directories)."""
    if not url.startswith("postgresql"):
        return
    target = sa.engine.make_url(url)
    admin = _admin_engine(target)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()

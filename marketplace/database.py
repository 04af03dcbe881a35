"""Engine set-up so that SQLite behaves under concurrent writers.

SQLite: WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
transactions that may write (any unsafe HTTP method, CLI commands), so writers
queue for the lock instead of failing with "database is locked" on upgrade.
PostgreSQL needs nothing here.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def configure_engines(app: Flask) -> None:
    with app.app_context():
        from marketplace.extensions import db

        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, busy_timeout_ms=app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))


def configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        may_write = not has_request_context() or request.method not in SAFE_METHODS
        connection.exec_driver_sql("BEGIN IMMEDIATE" if may_write else "BEGIN")

"""Engine set-up so that SQLite behaves under concurrent writers, and lock waits are bounded.

SQLite: WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for
transactions that may write, so writers queue for the lock (up to the busy
timeout) instead of failing with "database is locked" when a read transaction
tries to upgrade to a write one.

- Outside a request (CLI commands, scripts) a transaction starts with
  ``BEGIN IMMEDIATE``.
- A safe request (GET, HEAD, OPTIONS) reads in a plain ``BEGIN`` (one snapshot).
- An unsafe request reads without a transaction until its first write, which
  starts ``BEGIN IMMEDIATE``.  The write lock is therefore not held while the
  request does slow work before writing (argon2 hashing at sign-up and login
  takes ~0.3 s, which would otherwise serialise every writer behind it).  As on
  PostgreSQL (READ COMMITTED), a check made before the first write is settled by
  a constraint or a conditional UPDATE, not by the lock.

PostgreSQL: ``lock_timeout`` (``DB_LOCK_TIMEOUT_MS``, default 5000, 0 = wait
forever), so a leftover lock turns into a 503 instead of a request that hangs.

A lock that is still held after the timeout raises ``OperationalError`` on both
databases, which ``marketplace.errors`` answers with 503 and ``Retry-After``.
"""

from __future__ import annotations

import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_LAZY_IMMEDIATE = "marketplace_lazy_immediate"


def configure_engines(app: Flask) -> None:
    with app.app_context():
        from marketplace.extensions import db

        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, busy_timeout_ms=app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
        elif engine.dialect.name == "postgresql":
            configure_postgresql(engine, lock_timeout_ms=app.config.get("DB_LOCK_TIMEOUT_MS", 5000))


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
        if not has_request_context():
            connection.info[_LAZY_IMMEDIATE] = False
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif request.method in SAFE_METHODS:
            connection.info[_LAZY_IMMEDIATE] = False
            connection.exec_driver_sql("BEGIN")
        else:
            # Reads run in autocommit until the first write (see the module docstring).
            connection.info[_LAZY_IMMEDIATE] = True

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, _parameters, _context, _executemany):
        if not connection.info.get(_LAZY_IMMEDIATE):
            return
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection.in_transaction or _is_read(statement):
            return
        # SAVEPOINT, INSERT, UPDATE, DELETE, WITH ...: take the write lock first.
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            # Events run outside SQLAlchemy's own wrapping: raise what it would have
            # ("database is locked" -> OperationalError -> 503 in marketplace.errors).
            raise exc.DBAPIError.instance(
                "BEGIN IMMEDIATE",
                None,
                error,
                sqlite3.Error,
                hide_parameters=True,
                dialect=connection.dialect,
            ) from error

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection):
        connection.info[_LAZY_IMMEDIATE] = False


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


def configure_postgresql(engine: Engine, *, lock_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false)", (f"{int(lock_timeout_ms)}ms",)
            )
        dbapi_connection.commit()

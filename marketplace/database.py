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
  request does slow work before writing (argon2 hashing at sign-up and login is
  slow by design, and would otherwise serialise every writer behind it).  As on
  PostgreSQL (READ COMMITTED), a check made before the first write is settled by
  a constraint or a conditional UPDATE, not by the lock.

PostgreSQL: ``lock_timeout`` (``DB_LOCK_TIMEOUT_MS``, default 5000, 0 = wait
forever, negative = leave it to the server), so a leftover lock turns into a 503
instead of a request that hangs.  It travels in the connection's startup options
(``-c lock_timeout=...``), not in a ``SET`` after connecting: the server applies it
for the whole life of the server connection, and ``RESET ALL`` / ``DISCARD ALL`` (what
a pooler runs between clients) return to it instead of wiping it.

A lock that is still held after the timeout raises ``OperationalError`` on both
databases, which ``marketplace.errors`` answers with 503 and ``Retry-After``.

``lock_rows`` locks rows before a read-modify-write that a constraint alone cannot
settle (replacing a product's price tiers): ``SELECT ... FOR UPDATE`` on PostgreSQL,
the write lock taken before the reads on SQLite.

Read replica (``DATABASE_REPLICA_URL``, optional): views marked with
``reads_from_replica`` (search and the public catalog pages) read from a second
engine when the visitor is anonymous; ``RoutingSession`` sends everything else —
every flush, INSERT/UPDATE/DELETE, ``SELECT ... FOR UPDATE``, every signed-in
request, CLI commands and jobs — to the primary.  The replica engine gets the same
engine options and per-dialect set-up as the primary.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import InstrumentedAttribute, Session, scoped_session
from sqlalchemy.sql.dml import UpdateBase

from config import normalise_database_url

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_LAZY_IMMEDIATE = "marketplace_lazy_immediate"
_BASE_ENGINE_OPTIONS = "marketplace.base_engine_options"  # app.extensions: as configured
_REPLICA_ENGINE = "marketplace.replica_engine"  # app.extensions: the engine, or None
_READS_FROM_REPLICA = "marketplace.reads_from_replica"  # request.environ: this request may


def prepare_engine_options(app: Flask) -> None:
    """Before ``db.init_app``: add the PostgreSQL connection options (``lock_timeout``) to
    ``SQLALCHEMY_ENGINE_OPTIONS``.  The configured dict is copied, never changed in place
    (it is a class attribute shared by every app made from that config)."""
    base = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.extensions[_BASE_ENGINE_OPTIONS] = base
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = add_connection_options(base, url, app.config)


def add_connection_options(base: dict[str, Any], url: sa.engine.URL, config: Any) -> dict[str, Any]:
    """``base`` plus, for a PostgreSQL ``url``, ``connect_args["options"]`` carrying
    ``-c lock_timeout=<DB_LOCK_TIMEOUT_MS>ms`` after any options the URL or ``base``
    already give (``connect_args`` would otherwise replace the URL's ``options``), and
    psycopg's ``prepare_threshold`` when ``DB_PREPARE_THRESHOLD`` is set."""
    options = dict(base)
    if url.get_backend_name() != "postgresql":
        return options
    connect_args = dict(options.get("connect_args") or {})
    lock_timeout_ms = int(config.get("DB_LOCK_TIMEOUT_MS", 5000))
    if lock_timeout_ms >= 0:
        given = [url.query.get("options"), connect_args.get("options")]
        parts = [part for part in given if isinstance(part, str) and part.strip()]
        parts.append(f"-c lock_timeout={lock_timeout_ms}ms")
        connect_args["options"] = " ".join(parts)
    threshold = str(config.get("DB_PREPARE_THRESHOLD") or "").strip().lower()
    if threshold:
        # psycopg 3 prepares a statement server-side once it has run this many times on a
        # connection; "none" never does (PgBouncer's transaction pooling without
        # max_prepared_statements hands the next transaction another server connection).
        if threshold != "none" and not threshold.isdigit():
            raise RuntimeError("DB_PREPARE_THRESHOLD must be a whole number or 'none'")
        connect_args["prepare_threshold"] = None if threshold == "none" else int(threshold)
    if connect_args:
        options["connect_args"] = connect_args
    return options


def configure_engines(app: Flask) -> None:
    """After ``db.init_app``: per-dialect set-up of the primary engine, then the replica's."""
    with app.app_context():
        from marketplace.extensions import db

        engine = db.engine
        _configure_dialect(app, engine)
        replica = _make_replica_engine(app, engine)
        if replica is not None:
            _configure_dialect(app, replica)
        app.extensions[_REPLICA_ENGINE] = replica


def _configure_dialect(app: Flask, engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, busy_timeout_ms=app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    # PostgreSQL: lock_timeout is in the connection options (add_connection_options).


def _make_replica_engine(app: Flask, primary: Engine) -> Engine | None:
    """The engine for ``DATABASE_REPLICA_URL``, or None when it is empty.  A replica of
    another kind than the primary, or an SQLite file other than the primary's own (a
    file has no replicas; naming the same file only exercises the routing), stops the
    start with one clear line."""
    raw = (app.config.get("DATABASE_REPLICA_URL") or "").strip()
    if not raw:
        return None
    try:
        url = sa.engine.make_url(normalise_database_url(raw))
    except sa.exc.ArgumentError:
        raise RuntimeError("DATABASE_REPLICA_URL is not a database URL") from None
    kind, primary_kind = url.get_backend_name(), primary.dialect.name
    if kind != primary_kind:
        raise RuntimeError(
            f"DATABASE_REPLICA_URL must be a {primary_kind} database like DATABASE_URL, not {kind}"
        )
    if kind == "sqlite":
        in_memory = primary.url.database in (None, "", ":memory:")
        if in_memory or _sqlite_path(app, url) != _sqlite_path(app, primary.url):
            raise RuntimeError(
                "DATABASE_REPLICA_URL: SQLite has no read replicas; leave it empty "
                "(or name DATABASE_URL's own file)"
            )
        url = primary.url  # the very same file, as Flask-SQLAlchemy resolved it
    options = add_connection_options(app.extensions.get(_BASE_ENGINE_OPTIONS, {}), url, app.config)
    options.setdefault("echo", app.config.get("SQLALCHEMY_ECHO", False))
    return sa.create_engine(url, **options)


def _sqlite_path(app: Flask, url: sa.engine.URL) -> str:
    """A relative SQLite path lands in the instance folder (as Flask-SQLAlchemy does it)."""
    name = url.database or ""
    return os.path.normpath(os.path.join(app.instance_path, name)) if name else name


def replica_engine(app: Flask | None = None) -> Engine | None:
    """The app's read-replica engine (None without ``DATABASE_REPLICA_URL``)."""
    return (app or current_app).extensions.get(_REPLICA_ENGINE)


def reads_from_replica(view: Callable) -> Callable:
    """Mark a read-only view whose anonymous requests may read from the replica.

    Signed-in visitors keep reading from the primary, so they always see their own
    changes; anonymous ones may see the catalog a replication lag behind.  The user is
    loaded here, before the mark, so that it comes from the primary (a session or token
    created a moment ago may not have reached the replica).  A marked view must write
    only through the ORM or ``insert()/update()/delete()`` (those go to the primary);
    a raw ``text("UPDATE ...")`` would be sent to the read-only replica."""

    @functools.wraps(view)
    def marked(*args, **kwargs):
        if request.method in SAFE_METHODS and not current_user.is_authenticated:
            request.environ[_READS_FROM_REPLICA] = True
        return view(*args, **kwargs)

    return marked


def request_reads_from_replica() -> bool:
    return has_request_context() and bool(request.environ.get(_READS_FROM_REPLICA))


class RoutingSession(FlaskSQLAlchemySession):
    """``db.session``: the replica engine for the reads of a marked request, the primary
    (Flask-SQLAlchemy's own choice) for everything else."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and not _writes(clause):
            replica = current_app.extensions.get(_REPLICA_ENGINE)
            if replica is not None and request_reads_from_replica():
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _writes(clause) -> bool:
    """INSERT / UPDATE / DELETE, or a SELECT that locks rows: the primary's work."""
    if isinstance(clause, UpdateBase):
        return True
    return getattr(clause, "_for_update_arg", None) is not None


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
        if not _is_read(statement):
            # SAVEPOINT, INSERT, UPDATE, DELETE, WITH ...: take the write lock first.
            _begin_immediate(connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection):
        connection.info[_LAZY_IMMEDIATE] = False


def _begin_immediate(connection: sa.Connection) -> None:
    """An unsafe request's SQLite connection still reading in autocommit: take the write
    lock now (``BEGIN IMMEDIATE``, waiting up to the busy timeout)."""
    if not connection.info.get(_LAZY_IMMEDIATE):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.in_transaction:
        return
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


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


LOCK_CHUNK = 1000


def lock_rows(
    session: Session | scoped_session[Any], key: InstrumentedAttribute[int], ids: Iterable[int]
) -> None:
    """Hold the rows whose ``key`` (a model's integer primary key) is in ``ids`` until the
    transaction ends, so that what the caller reads next is what the previous holder
    committed, and a second caller waits for this one to finish.

    PostgreSQL: ``SELECT key ... ORDER BY key FOR UPDATE`` (in key order, so that two
    callers locking overlapping rows queue instead of deadlocking). SQLite has one write
    lock for the whole database: it is taken now (``BEGIN IMMEDIATE``), where an unsafe
    request would otherwise take it at its first write, after its reads. A lock still
    held by someone else after the lock or busy timeout raises ``OperationalError``
    (503 in ``marketplace.errors``)."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _begin_immediate(connection)
        return
    for start in range(0, len(wanted), LOCK_CHUNK):
        chunk = wanted[start : start + LOCK_CHUNK]
        session.execute(sa.select(key).where(key.in_(chunk)).order_by(key).with_for_update())

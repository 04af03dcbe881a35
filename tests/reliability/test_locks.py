"""SQLite engine settings really in effect, and a lock held too long is a 503, not a hang
or a 500 (security.md: WAL, busy_timeout, foreign keys, BEGIN IMMEDIATE for writes)."""

from __future__ import annotations

import contextlib
import sqlite3
import time

import pytest
import sqlalchemy as sa
from flask import jsonify, request

from marketplace import transaction
from tests.reliability.conftest import registration

pytestmark = pytest.mark.real_commits


def other_writer_can_lock(path: str) -> bool:
    """Can another connection take the write lock right now (no waiting)?"""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        conn.close()


def probe_routes(app) -> None:
    from marketplace.extensions import db

    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database

    def lock_probe():
        """Read, then (unsafe methods) write; report whether the write lock is held."""
        db.session.execute(sa.text("SELECT count(*) FROM probe")).scalar_one()
        result = {"after_read": other_writer_can_lock(path)}
        if request.method == "POST":
            # Another writer commits between our read and our write: with a deferred
            # BEGIN our snapshot would be stale and the write fail ("database is locked").
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("INSERT INTO probe (note) VALUES ('other')")
            conn.close()
            db.session.execute(sa.text("INSERT INTO probe (note) VALUES ('mine')"))
            result["after_write"] = other_writer_can_lock(path)
        transaction.commit()
        return jsonify(result)

    app.add_url_rule("/_probe/lock", "lock_probe", lock_probe, methods=["GET", "POST"])


def make_probe_app(make_app, **settings):
    dedicated = make_app(backend="sqlite", routes=probe_routes, **settings)
    conn = sqlite3.connect(dedicated.sqlite_path, isolation_level=None)
    conn.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    conn.close()
    return dedicated


def test_sqlite_pragmas_are_in_effect(make_app):
    from marketplace.extensions import db

    dedicated = make_probe_app(make_app, SQLITE_BUSY_TIMEOUT_MS=1234)
    with dedicated.app.app_context(), db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == 1234
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL, safe with WAL
        with pytest.raises(sa.exc.IntegrityError):  # foreign keys are enforced
            conn.execute(
                sa.text(
                    "INSERT INTO user_sessions (user_id, key_hash, expires_at, is_remembered)"
                    " VALUES (424242, 'x', '2030-01-01', 0)"
                )
            )


def test_unsafe_requests_take_the_write_lock_at_their_first_write(make_app):
    dedicated = make_probe_app(make_app)
    client = dedicated.api()
    posted = client.post("/_probe/lock")
    assert posted.status_code == 200, posted.get_data(as_text=True)
    # Reads (and slow work such as password hashing) do not hold the write lock ...
    assert posted.json["after_read"] is True
    # ... the first write takes it (BEGIN IMMEDIATE) and keeps it until the commit ...
    assert posted.json["after_write"] is False
    # ... and a write committed by someone else in between does not make ours fail.
    assert dedicated.count("probe") == 2
    got = client.get("/_probe/lock")
    assert got.status_code == 200
    assert got.json == {"after_read": True}  # a GET never blocks writers


def test_outside_requests_transactions_start_with_the_write_lock(make_app):
    """CLI commands and scripts: BEGIN IMMEDIATE from the first statement."""
    from marketplace.extensions import db

    dedicated = make_probe_app(make_app)
    with dedicated.app.app_context():
        db.session.execute(sa.text("SELECT count(*) FROM probe")).scalar_one()
        assert other_writer_can_lock(dedicated.sqlite_path) is False
        db.session.rollback()
        assert other_writer_can_lock(dedicated.sqlite_path) is True


@contextlib.contextmanager
def lock_held_elsewhere(dedicated):
    """A leftover write lock: another connection holding it and not letting go."""
    if dedicated.is_sqlite:
        conn = sqlite3.connect(dedicated.sqlite_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = sa.create_engine(dedicated.url)
    with engine.connect() as conn:
        conn.execute(sa.text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "configured"])
def test_leftover_lock_times_out_as_503_then_recovers(make_app, backend):
    dedicated = make_app(backend=backend, SQLITE_BUSY_TIMEOUT_MS=300, DB_LOCK_TIMEOUT_MS=300)
    client = dedicated.api()
    client.refresh_csrf()
    with lock_held_elsewhere(dedicated):
        started = time.monotonic()
        response = client.post("/api/v1/auth/register", json=registration("late@x.com"))
        waited = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["request_id"] == response.headers["X-Request-ID"]
    assert "locked" not in response.get_data(as_text=True)
    assert 0.3 <= waited < 4.5  # the configured timeout, not the 5 s default nor forever
    assert dedicated.count("users") == 0

    again = client.post("/api/v1/auth/register", json=registration("late@x.com"))
    assert again.status_code == 201
    assert client.login("late@x.com").status_code == 200  # the pool is healthy afterwards
    assert dedicated.count("users") == 1

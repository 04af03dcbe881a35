"""Database unreachable: 503 JSON with a request id and Retry-After, /readyz 503,
and the next request after recovery succeeds (security.md, faults)."""

from __future__ import annotations

import contextlib
import os

import pytest
import sqlalchemy as sa

from tests.reliability.conftest import admin_engine, configured_postgres_url, registration

pytestmark = pytest.mark.real_commits

ENVELOPE = {"code", "status", "message", "request_id"}


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    body = response.json
    assert set(body) == ENVELOPE
    assert body["code"] == 503
    assert body["status"] == "Service Unavailable"
    assert body["request_id"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    text = response.get_data(as_text=True).lower()
    for leak in ("traceback", "select", "sqlite", "psycopg", "app.db", "operationalerror"):
        assert leak not in text


@contextlib.contextmanager
def outage(dedicated):
    """Take the database away behind the app's back, then bring it back."""
    if dedicated.is_sqlite:
        directory = os.path.dirname(dedicated.sqlite_path)
        os.rename(directory, directory + ".gone")
        dedicated.dispose()  # open file handles would keep the moved file usable
        try:
            yield
        finally:
            os.rename(directory + ".gone", directory)
        return
    name = sa.engine.make_url(dedicated.url).database
    admin = admin_engine(configured_postgres_url())
    with admin.connect() as conn:
        # Kill the app's pooled connections, then make the database unfindable.
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(sa.text(f'ALTER DATABASE "{name}" RENAME TO "{name}_gone"'))
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}_gone" RENAME TO "{name}"'))
        admin.dispose()


def test_outage_is_503_and_the_next_request_after_recovery_succeeds(make_app, capture_logs):
    dedicated = make_app()
    buyer = dedicated.api()
    assert buyer.post("/api/v1/auth/register", json=registration("before@x.com")).status_code == 201
    assert buyer.login("before@x.com").status_code == 200
    newcomer = dedicated.api()
    newcomer.refresh_csrf()
    probe = dedicated.app.test_client()
    assert probe.get("/readyz").status_code == 200
    logs = capture_logs()

    with outage(dedicated):
        me = buyer.get("/api/v1/auth/me")
        assert_unavailable(me)
        during = newcomer.post("/api/v1/auth/register", json=registration("during@x.com"))
        assert_unavailable(during)
        assert_unavailable(probe.get("/readyz"))
        assert probe.get("/healthz").status_code == 200  # the process itself is fine

    me_again = buyer.get("/api/v1/auth/me")
    assert me_again.status_code == 200
    assert me_again.json["email"] == "before@x.com"  # the session survived the outage
    assert probe.get("/readyz").json == {"status": "ready", "database": "ok"}
    assert dedicated.count("users", "email_normalized = 'during@x.com'") == 0
    retry = newcomer.post("/api/v1/auth/register", json=registration("during@x.com"))
    assert retry.status_code == 201
    assert dedicated.count("users") == 2

    lines = logs.lines()
    failure = [line for line in lines if line["message"] == "database unavailable"]
    assert len(failure) == 2  # /me and /register; /readyz reports itself
    assert failure[0]["request_id"] == me.headers["X-Request-ID"]
    assert failure[0]["level"] == "ERROR"
    assert failure[0]["error_type"] == "OperationalError"
    assert "Traceback" not in logs.text
    assert "SELECT" not in logs.text


def test_database_server_down_from_the_start_is_503(make_app):
    """A second instance pointed at a PostgreSQL port where nothing listens."""
    dedicated = make_app(
        backend="sqlite",
        migrate=False,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
    )
    client = dedicated.api()
    assert_unavailable(client.post("/api/v1/auth/register", json=registration("a@x.com")))
    login = client.post("/api/v1/auth/login", json={"email": "a@x.com", "password": "x"})
    assert_unavailable(login)
    assert_unavailable(dedicated.app.test_client().get("/readyz"))


def test_no_free_connection_in_the_pool_is_503(make_app):
    from marketplace.extensions import db

    dedicated = make_app(
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": 0.2,
            "pool_pre_ping": True,
            "hide_parameters": True,
        }
    )
    client = dedicated.api()
    client.refresh_csrf()
    with dedicated.app.app_context(), db.engine.connect():  # holds the only connection
        assert_unavailable(client.post("/api/v1/auth/register", json=registration("p@x.com")))
    assert client.post("/api/v1/auth/register", json=registration("p@x.com")).status_code == 201


def test_unmigrated_database_is_not_ready(make_app):
    """An empty database (e.g. a lost SQLite file recreated empty) must not look ready."""
    dedicated = make_app(migrate=False)
    client = dedicated.api()
    assert_unavailable(client.get("/readyz"))
    response = client.post("/api/v1/auth/register", json=registration("e@x.com"))
    # A missing table is a deployment bug, not an outage: 500 on both databases, no details.
    assert response.status_code == 500
    assert response.json["message"] == "Internal server error."
    assert "users" not in response.get_data(as_text=True)


def test_a_database_that_refuses_writes_is_not_ready(make_app):
    """Reads work but writes fail (a read-only SQLite file, a PostgreSQL database or
    standby in read-only mode): /readyz says 503, so no traffic is sent to an instance
    where every order, inquiry and sign-up would fail; writable again, it is ready."""
    dedicated = make_app()
    client = dedicated.app.test_client()
    assert client.get("/readyz").status_code == 200
    if dedicated.is_sqlite:
        read_only = make_app(
            backend="sqlite",
            migrate=False,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{dedicated.sqlite_path}?mode=ro&uri=true",
        )
        probe = read_only.app.test_client()
        assert probe.get("/api/v1/categories").status_code == 200  # it reads
        assert_unavailable(probe.get("/readyz"))
        return
    name = sa.engine.make_url(dedicated.url).database
    admin = admin_engine(configured_postgres_url())

    def read_only(on: bool) -> None:
        with admin.connect() as conn:
            conn.execute(
                sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {on}')
            )
        dedicated.dispose()  # new connections take the setting

    read_only(True)
    try:
        assert client.get("/api/v1/categories").status_code == 200  # it reads
        assert_unavailable(client.get("/readyz"))
    finally:
        read_only(False)
    assert client.get("/readyz").status_code == 200
    admin.dispose()

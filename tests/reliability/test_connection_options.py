"""PostgreSQL's lock_timeout travels in the connection's startup options, so the server
applies it from the start and a pooler's ``RESET ALL`` / ``DISCARD ALL`` returns to it
(a ``SET`` after connecting would be wiped, and is lost under transaction pooling)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.database import add_connection_options
from tests.reliability.conftest import configured_postgres_url

pytestmark = pytest.mark.real_commits

PG = sa.engine.make_url("postgresql+psycopg://app@db.example/marketplace")


def test_postgresql_engines_get_lock_timeout_in_their_connection_options():
    base = {"pool_pre_ping": True, "pool_size": 7}
    options = add_connection_options(base, PG, {"DB_LOCK_TIMEOUT_MS": 1500})
    assert options == {
        "pool_pre_ping": True,
        "pool_size": 7,
        "connect_args": {"options": "-c lock_timeout=1500ms"},
    }
    assert base == {"pool_pre_ping": True, "pool_size": 7}  # the configured dict is untouched


def test_options_already_given_by_the_url_or_the_settings_are_kept():
    url = PG.update_query_dict({"options": "-c statement_timeout=7000"})
    base = {"connect_args": {"options": "-c jit=off", "connect_timeout": 3}}
    options = add_connection_options(base, url, {"DB_LOCK_TIMEOUT_MS": 0})
    assert options["connect_args"] == {
        "options": "-c statement_timeout=7000 -c jit=off -c lock_timeout=0ms",
        "connect_timeout": 3,
    }


def test_sqlite_and_a_negative_timeout_add_nothing():
    base = {"pool_pre_ping": True}
    sqlite = sa.engine.make_url("sqlite:///marketplace.db")
    assert add_connection_options(base, sqlite, {"DB_LOCK_TIMEOUT_MS": 5000}) == base
    assert add_connection_options(base, PG, {"DB_LOCK_TIMEOUT_MS": -1}) == base


def test_prepared_statements_can_be_turned_off_for_pgbouncer():
    prepare = add_connection_options(
        {}, PG, {"DB_LOCK_TIMEOUT_MS": -1, "DB_PREPARE_THRESHOLD": "none"}
    )
    assert prepare == {"connect_args": {"prepare_threshold": None}}
    later = add_connection_options({}, PG, {"DB_LOCK_TIMEOUT_MS": -1, "DB_PREPARE_THRESHOLD": "20"})
    assert later == {"connect_args": {"prepare_threshold": 20}}
    with pytest.raises(RuntimeError, match="DB_PREPARE_THRESHOLD must be a whole number"):
        add_connection_options({}, PG, {"DB_PREPARE_THRESHOLD": "never"})


@pytest.mark.skipif(
    configured_postgres_url() is None, reason="PostgreSQL only: TEST_DATABASE_URL is not PostgreSQL"
)
def test_the_server_applies_it_and_a_pooler_reset_keeps_it(make_app):
    dedicated = make_app(migrate=False, DB_LOCK_TIMEOUT_MS=1234)
    from marketplace.extensions import db

    with dedicated.app.app_context(), db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        show = "SHOW lock_timeout"
        assert conn.execute(sa.text(show)).scalar() == "1234ms"
        conn.execute(sa.text("SET lock_timeout = '1s'"))  # a session-level change...
        assert conn.execute(sa.text(show)).scalar() == "1s"
        conn.execute(sa.text("DISCARD ALL"))  # ...which a pooler's reset wipes
        assert conn.execute(sa.text(show)).scalar() == "1234ms"


@pytest.mark.skipif(
    configured_postgres_url() is None, reason="PostgreSQL only: TEST_DATABASE_URL is not PostgreSQL"
)
def test_psycopg_prepares_statements_unless_told_not_to(make_app):
    from marketplace.extensions import db

    for setting, expected in (("", 5), ("none", None)):
        dedicated = make_app(migrate=False, DB_PREPARE_THRESHOLD=setting)
        with dedicated.app.app_context(), db.engine.connect() as conn:
            assert conn.connection.dbapi_connection.prepare_threshold == expected

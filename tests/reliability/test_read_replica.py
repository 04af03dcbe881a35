"""Read replica: anonymous search and public catalog pages read from
``DATABASE_REPLICA_URL``; writes, signed-in users and everything else use the primary.

Two kinds of test:

- routing (always, on SQLite and PostgreSQL): the replica URL names the primary's own
  database, and the statements each request sends are counted per engine;
- a real streaming replica (``.ci/pg-replica start``, then ``TEST_REPLICA_PRIMARY_URL``
  and ``TEST_REPLICA_URL``): replay is paused on the standby, and what a visitor sees
  is compared with what the supplier sees.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import TestingConfig, normalise_database_url
from marketplace.database import replica_engine
from tests.catalog.conftest import product_payload
from tests.conftest import ApiClient
from tests.factories import AdminFactory, SupplierOwnerFactory
from tests.reliability.conftest import configured_postgres_url

pytestmark = pytest.mark.real_commits

CATCH_UP_SECONDS = 30


def make_replica_app(primary_url: str, replica_url: str, tmp_path, **settings) -> Flask:
    from marketplace import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = primary_url
        DATABASE_REPLICA_URL = replica_url
        UPLOAD_DIR = str(tmp_path / "uploads")
        REGISTER_LIMIT_PER_IP = "10000 per hour"
        LOGIN_LIMIT_PER_IP = "10000 per hour"

    for key, value in settings.items():
        setattr(Config, key, value)
    return create_app(Config)


def dispose(app: Flask) -> None:
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()
        replica = replica_engine(app)
        if replica is not None:
            replica.dispose()


def set_up_catalog(app: Flask) -> dict:
    """A supplier with one published product, a buyer and an admin, committed."""
    from marketplace.catalog import services as catalog_services
    from marketplace.catalog.schemas import ProductInputSchema
    from marketplace.extensions import db
    from tests.factories import BuyerFactory

    with app.app_context():
        owner = SupplierOwnerFactory()
        buyer = BuyerFactory()
        admin = AdminFactory()
        data = ProductInputSchema().load(product_payload(name="Routing test slippers"))
        product = catalog_services.create_product(owner.supplier, data)
        catalog_services.submit_product(product)
        catalog_services.approve_product(product)
        db.session.commit()
        people = {
            "owner": owner.email,
            "buyer": buyer.email,
            "admin": admin.email,
            "supplier_id": owner.supplier_id,
            "product_id": product.id,
        }
        db.session.remove()
        return people


# Routing, with the primary's own database as the "replica" ------------------------


class StatementLog:
    """Which engine each statement of a request went to."""

    def __init__(self, app: Flask):
        from marketplace.extensions import db

        with app.app_context():
            self.engines = {"primary": db.engine, "replica": replica_engine(app)}
        assert self.engines["replica"] is not None
        assert self.engines["replica"] is not self.engines["primary"]
        self.seen: list[tuple[str, str]] = []
        for label, engine in self.engines.items():
            sa.event.listen(engine, "before_cursor_execute", self._recorder(label))

    def _recorder(self, label: str):
        def record(_conn, _cursor, statement, *_args):
            self.seen.append((label, statement))

        return record

    def engines_for(self, send) -> tuple[object, set[str]]:
        self.seen.clear()
        response = send()
        return response, {label for label, _ in self.seen}

    def statements(self, label: str) -> list[str]:
        return [statement for engine, statement in self.seen if engine == label]


@pytest.fixture
def routed(make_app, tmp_path) -> Iterator[tuple[Flask, StatementLog, dict]]:
    migrated = make_app()  # a fresh, migrated database (SQLite file or PostgreSQL)
    app = make_replica_app(migrated.url, migrated.url, tmp_path)

    def marked_write():
        """A marked view that reads, then writes through the ORM and through update()."""
        from marketplace.database import reads_from_replica
        from marketplace.extensions import db
        from marketplace.suppliers.models import Supplier

        @reads_from_replica
        def view():
            supplier = db.session.scalars(sa.select(Supplier).limit(1)).one()
            supplier.description = "Changed in a marked request."
            db.session.flush()
            db.session.execute(
                sa.update(Supplier).where(Supplier.id == supplier.id).values(employees=121)
            )
            db.session.rollback()
            return "ok"

        return view

    app.add_url_rule("/_probe/marked-write", "marked_write", marked_write())
    people = set_up_catalog(app)
    log = StatementLog(app)
    yield app, log, people
    dispose(app)


PUBLIC_PAGES = [
    "/",
    "/products?q=slippers",
    "/products/{product_id}",
    "/suppliers",
    "/suppliers/{supplier_id}",
    "/api/v1/products?q=slippers",
]


def test_anonymous_search_and_public_pages_read_only_from_the_replica(routed):
    app, log, people = routed
    for page in PUBLIC_PAGES:
        path = page.format(**people)
        response, engines = log.engines_for(lambda p=path: app.test_client().get(p))
        assert response.status_code == 200, (path, response.status_code)
        assert engines == {"replica"}, (path, engines)


def test_signed_in_users_read_their_pages_from_the_primary(routed):
    app, log, people = routed
    for who in ("buyer", "owner"):
        client = ApiClient(app.test_client())
        assert client.login(people[who]).status_code == 200
        for page in PUBLIC_PAGES:
            path = page.format(**people)
            response, engines = log.engines_for(lambda p=path, c=client: c.get(p))
            assert response.status_code == 200, (who, path, response.status_code)
            assert engines == {"primary"}, (who, path, engines)
    owner = ApiClient(app.test_client())
    owner.login(people["owner"])
    for path in ("/dashboard/products", f"/api/v1/suppliers/{people['supplier_id']}/products"):
        response, engines = log.engines_for(lambda p=path: owner.get(p))
        assert response.status_code == 200, (path, response.status_code)
        assert engines == {"primary"}, (path, engines)


def test_unmarked_views_and_writes_use_the_primary(routed):
    app, log, people = routed
    anonymous = ApiClient(app.test_client())
    for path in ("/api/v1/suppliers", f"/api/v1/products/{people['product_id']}"):
        response, engines = log.engines_for(lambda p=path: anonymous.get(p))
        assert response.status_code == 200, (path, response.status_code)
        assert engines == {"primary"}, (path, engines)

    anonymous.refresh_csrf()
    body = {"email": "new@importer.example", "password": "correct horse battery staple"}
    body |= {"name": "New Buyer", "role": "buyer"}
    response, engines = log.engines_for(lambda: anonymous.post("/api/v1/auth/register", json=body))
    assert response.status_code == 201, response.json
    assert engines == {"primary"}


def test_a_marked_request_still_writes_to_the_primary(routed):
    app, log, _ = routed
    response, engines = log.engines_for(lambda: app.test_client().get("/_probe/marked-write"))
    assert response.status_code == 200
    assert engines == {"primary", "replica"}
    verbs = {s.split()[0].upper() for s in log.statements("replica")}
    assert "SELECT" in verbs and verbs <= {"BEGIN", "SELECT"}  # only reads on the replica
    writes = [s for s in log.statements("primary") if s.lstrip().upper().startswith("UPDATE")]
    assert len(writes) == 2  # the ORM flush and the update() statement


def test_an_sqlite_replica_must_be_the_primary_itself(make_app, tmp_path):
    migrated = make_app(backend="sqlite")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(RuntimeError, match="SQLite has no read replicas"):
        make_replica_app(migrated.url, other, tmp_path)
    with pytest.raises(RuntimeError, match="must be a sqlite database like DATABASE_URL"):
        make_replica_app(migrated.url, "postgresql://u@127.0.0.1:1/x", tmp_path)


@pytest.mark.skipif(
    configured_postgres_url() is None,
    reason="PostgreSQL only: an unreachable replica needs a server URL",
)
def test_an_unreachable_replica_is_a_503_for_visitors_only(make_app, tmp_path):
    migrated = make_app()
    down = sa.engine.make_url(migrated.url).set(host="127.0.0.1", port=1)
    app = make_replica_app(migrated.url, down.render_as_string(hide_password=False), tmp_path)
    people = set_up_catalog(app)
    try:
        visitor = app.test_client().get(f"/products/{people['product_id']}")
        assert visitor.status_code == 503
        assert int(visitor.headers["Retry-After"]) > 0
        buyer = ApiClient(app.test_client())
        assert buyer.login(people["buyer"]).status_code == 200
        assert buyer.get(f"/products/{people['product_id']}").status_code == 200
    finally:
        dispose(app)


# A real streaming replica ---------------------------------------------------------


def replica_urls() -> tuple[sa.engine.URL, sa.engine.URL] | None:
    primary = os.environ.get("TEST_REPLICA_PRIMARY_URL", "").strip()
    replica = os.environ.get("TEST_REPLICA_URL", "").strip()
    if not (primary and replica):
        return None
    return (
        sa.engine.make_url(normalise_database_url(primary)),
        sa.engine.make_url(normalise_database_url(replica)),
    )


needs_replica = pytest.mark.skipif(
    replica_urls() is None,
    reason="no streaming replica: run `.ci/pg-replica start DIR 55432 55433` and set "
    "TEST_REPLICA_PRIMARY_URL and TEST_REPLICA_URL to the URLs it prints (.ci/run does)",
)


class Standby:
    """The primary and the standby, reached behind the app's back."""

    def __init__(self, primary: sa.engine.URL, replica: sa.engine.URL):
        self.primary = sa.create_engine(primary, isolation_level="AUTOCOMMIT")
        self.replica = sa.create_engine(replica, isolation_level="AUTOCOMMIT")

    def scalar(self, engine: sa.Engine, sql: str, **params):
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def execute(self, engine: sa.Engine, sql: str) -> None:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))

    def wait_until(self, check, what: str) -> None:
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while not check():
            assert time.monotonic() < deadline, f"the standby did not {what}"
            time.sleep(0.1)

    def catch_up(self) -> None:
        lsn = self.scalar(self.primary, "SELECT pg_current_wal_lsn()::text")
        self.wait_until(
            lambda: self.scalar(
                self.replica,
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), CAST(:lsn AS pg_lsn)) >= 0",
                lsn=lsn,
            ),
            "replay the primary's WAL",
        )

    def pause(self) -> None:
        self.execute(self.replica, "SELECT pg_wal_replay_pause()")
        self.wait_until(
            lambda: self.scalar(self.replica, "SELECT pg_get_wal_replay_pause_state()") == "paused",
            "pause replay",
        )

    def resume(self) -> None:
        self.execute(self.replica, "SELECT pg_wal_replay_resume()")

    def dispose(self) -> None:
        self.primary.dispose()
        self.replica.dispose()


@pytest.fixture
def streaming(tmp_path) -> Iterator[tuple[Flask, Standby]]:
    primary, replica = replica_urls()
    standby = Standby(primary, replica)
    name = f"mp_replica_{uuid.uuid4().hex[:10]}"
    app = None
    try:
        assert standby.scalar(standby.replica, "SELECT pg_is_in_recovery()") is True
        standby.execute(standby.primary, f'CREATE DATABASE "{name}"')
        standby.wait_until(
            lambda: standby.scalar(
                standby.replica, "SELECT count(*) FROM pg_database WHERE datname = :n", n=name
            ),
            "create the test database",
        )
        app = make_replica_app(
            primary.set(database=name).render_as_string(hide_password=False),
            replica.set(database=name).render_as_string(hide_password=False),
            tmp_path,
        )
        with app.app_context():
            upgrade()  # on the primary; the standby replays it
        yield app, standby
    finally:
        standby.resume()
        if app is not None:
            dispose(app)
        standby.execute(standby.primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        standby.dispose()


def search_ids(client, word: str) -> list[int]:
    response = client.get(f"/api/v1/products?q={word}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]]


@needs_replica
def test_the_app_reads_a_standby_that_applies_its_lock_timeout(streaming):
    app, _ = streaming
    with app.app_context(), replica_engine(app).connect() as conn:
        assert conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is True
        assert conn.execute(sa.text("SHOW lock_timeout")).scalar() == "5s"


@needs_replica
def test_a_product_published_during_replication_lag(streaming):
    app, standby = streaming
    people = set_up_catalog(app)
    supplier = ApiClient(app.test_client())
    assert supplier.login(people["owner"]).status_code == 200
    admin = ApiClient(app.test_client())
    assert admin.login(people["admin"]).status_code == 200
    anonymous = app.test_client()
    standby.catch_up()
    assert search_ids(anonymous, "slippers") == [people["product_id"]]

    standby.pause()
    try:
        # Signed-in users write while the standby is frozen: the writes go to the primary.
        payload = product_payload(name="Zephyrine cloud slides", sku="ZEPH-1")
        created = supplier.post("/api/v1/products", json=payload)
        assert created.status_code == 201, created.json
        product_id = created.json["id"]
        assert supplier.post(f"/api/v1/products/{product_id}/submit").status_code == 200
        approved = admin.post(f"/api/v1/admin/products/{product_id}/approve")
        assert approved.status_code == 200, approved.json
        assert approved.json["status"] == "published"

        # The supplier's own API and dashboard read the primary: the product is there.
        own = supplier.get(f"/api/v1/suppliers/{people['supplier_id']}/products")
        assert product_id in [item["id"] for item in own.json["items"]]
        assert supplier.get(f"/api/v1/products/{product_id}").status_code == 200
        dashboard = supplier.get("/dashboard/products")
        assert "Zephyrine cloud slides" in dashboard.get_data(as_text=True)

        # Visitors read the frozen standby: not in search yet, and no product page.
        assert search_ids(anonymous, "zephyrine") == []
        page = anonymous.get("/products?q=zephyrine")
        assert page.status_code == 200
        assert "Zephyrine cloud slides" not in page.get_data(as_text=True)
        assert anonymous.get(f"/products/{product_id}").status_code == 404
        # ...while what had replicated before the pause is served as usual.
        home = anonymous.get("/")
        assert home.status_code == 200
        older = anonymous.get(f"/products/{people['product_id']}")
        assert older.status_code == 200
        assert "Routing test slippers" in older.get_data(as_text=True)
    finally:
        standby.resume()

    standby.catch_up()
    assert search_ids(anonymous, "zephyrine") == [product_id]
    page = anonymous.get("/products?q=zephyrine")
    assert "Zephyrine cloud slides" in page.get_data(as_text=True)
    assert anonymous.get(f"/products/{product_id}").status_code == 200

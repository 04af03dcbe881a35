"""Test harness: the schema is built once per session by running the migrations,
and every test runs inside an outer transaction that is rolled back afterwards.

The database comes from ``TEST_DATABASE_URL`` (never ``DATABASE_URL``): a
PostgreSQL URL, or by default a throw-away SQLite file.  Under pytest-xdist each
worker gets its own database.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestingConfig
from tests.databases import drop_database, fresh_database_url

PASSWORD = "correct horse battery staple"


class FreshRequestClient(FlaskClient):
    """Each test runs inside one app context (for its transaction), and Flask reuses a
    pushed app context for requests: clear ``g`` so no request sees the previous
    request's user, CSRF token or request id, as in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


def import_every_module() -> None:
    """Import every module of the package, whichever tests this worker runs: schemathesis
    draws values from the literals of the app's loaded modules, so a worker that happened
    to import the demo generates other cases than one that did not."""
    import importlib
    import pkgutil

    import marketplace

    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        importlib.import_module(module.name)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from marketplace import create_app

    url = fresh_database_url(tmp_path_factory.mktemp("db"), "")
    upload_dir = tmp_path_factory.mktemp("uploads")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(upload_dir)

    app = create_app(Config)
    import_every_module()
    app.test_client_class = FreshRequestClient
    with app.app_context():
        upgrade()
    yield app
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()
    drop_database(url)


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test in a rolled-back transaction; services' commits become savepoints."""
    from marketplace import ratelimit
    from marketplace.extensions import db

    if "real_commits" in request.keywords:
        yield
        return
    ratelimit.reset(app)
    if "module_connection" in request.fixturenames:
        # The module's seed lives in the module's outer transaction: each test runs in a
        # savepoint of it, rolled back afterwards, so the next test sees the seed again.
        with app.app_context(), _session_on(request.getfixturevalue("module_connection")):
            yield
        return
    with app.app_context():
        connection = db.engine.connect()
        try:
            with _session_on(connection):
                yield
        finally:
            connection.close()


@contextlib.contextmanager
def _session_on(connection):
    """``db.session`` bound to ``connection`` inside a transaction (a savepoint when one is
    already open) that is rolled back on exit; services' commits become savepoints."""
    from marketplace.extensions import db

    outer = connection.begin_nested() if connection.in_transaction() else connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()


@pytest.fixture(scope="module")
def module_connection(app):
    """One connection and outer transaction for a whole module, for seeds that tests only
    read: a module-scoped fixture writes its rows with ``module_session`` and every test
    of the module runs in a savepoint on top (see ``_transaction``)."""
    from marketplace.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()
            connection.close()


@contextlib.contextmanager
def module_session(app, connection):
    """``db.session`` on the module's connection while a module-scoped seed writes (its
    commits release savepoints; nothing reaches the database for good)."""
    from marketplace.extensions import db

    with app.app_context():
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original


@pytest.fixture
def db_session(app):
    from marketplace.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


class ApiClient:
    """A test client that speaks JSON and sends the CSRF header like a browser app."""

    def __init__(self, flask_client):
        self.client = flask_client
        self.csrf_token: str | None = None
        self.bearer: str | None = None

    def refresh_csrf(self) -> str:
        self.csrf_token = self.client.get("/api/v1/auth/csrf").json["csrf_token"]
        return self.csrf_token

    def open(self, method: str, path: str, *, json=None, csrf: bool = True, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.bearer:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        elif csrf and method.upper() not in {"GET", "HEAD", "OPTIONS"}:
            headers.setdefault("X-CSRFToken", self.csrf_token or self.refresh_csrf())
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)

    def login(self, email: str, password: str = PASSWORD, remember: bool = False):
        response = self.post(
            "/api/v1/auth/login", json={"email": email, "password": password, "remember": remember}
        )
        if response.status_code == 200:
            self.csrf_token = response.headers["X-CSRFToken"]
        return response


@pytest.fixture
def api(app):
    return ApiClient(app.test_client())


@pytest.fixture
def make_api(app):
    """Several independent API clients (browsers) in one test."""
    return lambda: ApiClient(app.test_client())


@pytest.fixture
def login_as(make_api):
    """An ApiClient logged in as ``user`` (created by the factories with PASSWORD)."""

    def _login(user, **kwargs):
        client = make_api()
        response = client.login(user.email, **kwargs)
        assert response.status_code == 200, response.json
        return client

    return _login


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# The longest tests, scheduled first in this order: pytest-xdist (``--dist load``) deals
# the first quarter of the tests round-robin, so both workers start on long ones and the
# run ends on short tests instead of one worker finishing a long one alone.
LONG_FIRST = (
    "tests/test_schemathesis.py",  # sharded, each shard several seconds
    "tests/test_schemathesis_stateful.py",
    "tests/rfqs/test_concurrency.py",
    "tests/jobs/test_celery_worker.py",
    "tests/accounts/test_login_limits_redis.py",
    "tests/core/test_metrics.py",
    "tests/core/test_production_config.py",
    "tests/browser/",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return next(
            (n for n, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)),
            len(LONG_FIRST),
        )

    items.sort(key=rank)  # stable: the collection order within each rank


def pytest_terminal_summary(terminalreporter):
    """The schemathesis case counts (tests/test_schemathesis.py records them per shard,
    tests/test_schemathesis_stateful.py its calls per chain),
    also under xdist, where the workers' prints are not shown."""
    counts = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "schemathesis_cases":
                    counts[report.nodeid] = value
    if counts:
        terminalreporter.section("schemathesis cases")
        for nodeid, value in sorted(counts.items()):
            terminalreporter.write_line(f"{value:6d}  {nodeid}")
        terminalreporter.write_line(f"{sum(counts.values()):6d}  in total")

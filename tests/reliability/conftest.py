"""Dedicated application instances for fault and concurrency tests.

These tests commit for real (threads, outages), so each one gets its own app with
its own database: a temp SQLite file, or a PostgreSQL database named after
``TEST_DATABASE_URL`` that is dropped afterwards.  Nothing touches the worker's
shared test database.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from pythonjsonlogger.json import JsonFormatter

from config import TestingConfig, normalise_database_url
from tests.conftest import PASSWORD, ApiClient


def configured_postgres_url() -> sa.engine.URL | None:
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "").strip())
    return sa.engine.make_url(url) if url.startswith("postgresql") else None


def admin_engine(url: sa.engine.URL) -> sa.engine.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def drop_postgres_database(url: sa.engine.URL, *names: str) -> None:
    admin = admin_engine(url)
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class DedicatedApp:
    """An app, its database URL and how to reach the database behind the app's back."""

    def __init__(self, app: Flask, url: str, sqlite_path: str | None):
        self.app = app
        self.url = url
        self.sqlite_path = sqlite_path

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None

    def api(self) -> ApiClient:
        return ApiClient(self.app.test_client())

    def count(self, table: str, where: str = "", **params) -> int:
        """Rows committed, as another connection sees them."""
        from marketplace.extensions import db

        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")  # noqa: S608
        with self.app.app_context(), db.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()

    def dispose(self) -> None:
        from marketplace.extensions import db

        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def make_app(tmp_path, request) -> Callable[..., DedicatedApp]:
    """``make_app(backend="configured"|"sqlite", migrate=True, routes=..., **settings)``.

    ``configured`` follows ``TEST_DATABASE_URL`` (PostgreSQL or SQLite); ``sqlite``
    is for what only SQLite has (pragmas, its write lock).  ``routes`` is a callable
    that adds throw-away routes before the app serves its first request.
    """
    from marketplace import create_app

    logger = logging.getLogger("marketplace")
    saved_logging = (logger.handlers[:], logger.level, logger.propagate)
    cleanups: list[Callable[[], None]] = []

    def _make(*, backend="configured", migrate=True, routes=None, **settings) -> DedicatedApp:
        pg = configured_postgres_url() if backend == "configured" else None
        sqlite_path = None
        if pg is not None:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            name = f"{pg.database}_{worker}_r{uuid.uuid4().hex[:8]}"
            drop_postgres_database(pg, name)
            admin = admin_engine(pg)
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = pg.set(database=name).render_as_string(hide_password=False)
            cleanups.append(lambda: drop_postgres_database(pg, name, f"{name}_gone"))
        else:
            directory = tmp_path / f"db-{uuid.uuid4().hex[:8]}"
            directory.mkdir()
            sqlite_path = str(directory / "app.db")
            url = f"sqlite:///{sqlite_path}"

        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            UPLOAD_DIR = str(tmp_path / "uploads")
            REGISTER_LIMIT_PER_IP = "10000 per hour"  # many sign-ups from one test IP
            LOGIN_LIMIT_PER_IP = "10000 per hour"

        for key, value in settings.items():
            setattr(Config, key, value)
        app = create_app(Config)
        if routes is not None:
            routes(app)
        dedicated = DedicatedApp(app, url, sqlite_path)
        cleanups.insert(0, dedicated.dispose)
        if migrate:
            with app.app_context():
                upgrade()
        return dedicated

    yield _make
    for cleanup in cleanups:
        cleanup()
    logger.handlers[:], level, logger.propagate = saved_logging
    logger.setLevel(level)


class LogCapture:
    """What the marketplace loggers write, through the app's own JSON handler."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.handlers = [
            (handler, handler.setStream(self.buffer))
            for handler in logging.getLogger("marketplace").handlers
            # the app's own handler (pytest adds capture handlers of its own)
            if isinstance(handler.formatter, JsonFormatter)
        ]
        assert self.handlers, "the app configured no log handler"

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict]:
        """Every line must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines()]

    def restore(self) -> None:
        for handler, original in self.handlers:
            handler.setStream(original)


@pytest.fixture
def capture_logs():
    """``capture_logs()`` after the (last) app is made starts capturing its log lines."""
    captures: list[LogCapture] = []

    def start() -> LogCapture:
        captures.append(LogCapture())
        return captures[-1]

    yield start
    for capture in captures:
        capture.restore()


def registration(email: str, *, role: str = "buyer", company: str | None = None) -> dict:
    body = {"email": email, "password": PASSWORD, "name": "Test User", "role": role}
    if company:
        body["company_name"] = company
    return body


def in_parallel(clients: list[ApiClient], send: Callable[[int, ApiClient], object]) -> list:
    """Run ``send(i, client)`` for every client at the same moment, one thread each."""
    barrier = threading.Barrier(len(clients))

    def run(i: int):
        barrier.wait(timeout=30)
        return send(i, clients[i])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(run, range(len(clients))))

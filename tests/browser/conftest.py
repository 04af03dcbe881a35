"""Headless-Chromium tests against a live server on 127.0.0.1.

The server runs the app in a thread on its own database (a temp SQLite file, or a
``<TEST_DATABASE_URL db>_browser_<worker>`` PostgreSQL database) with real commits,
so browser tests create uniquely named data and never touch the rolled-back test DB.
Chromium is Debian's package (never downloaded by Playwright).  Without it these tests
skip locally with a reason; under CI (``CI`` set) its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from config import TestingConfig
from marketplace import transaction
from tests.databases import drop_database, fresh_database_url

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.real_commits)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from marketplace import create_app

    url = fresh_database_url(tmp_path_factory.mktemp("browser-db"), "browser")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(tmp_path_factory.mktemp("browser-uploads"))
        TESTING = False  # behave like a real server (errors render, CSRF enforced)

    app = create_app(Config)
    with app.app_context():
        upgrade()
    yield app
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()
    drop_database(url)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def make_user(live_app):
    """Create and commit a user on the live server's database; returns (email, password)."""
    from marketplace.accounts import services
    from marketplace.accounts.models import Role
    from marketplace.extensions import db

    password = "browser-test-password-1"

    def _make(role: str = "buyer", company_name: str | None = None, **extra):
        email = f"{role}-{uuid.uuid4().hex[:10]}@browser.example"
        with live_app.test_request_context():
            user = services.register_user(
                email=email,
                password=password,
                name=extra.get("name", f"Browser {role.title()}"),
                role=Role(role),
                country=extra.get("country", "PH" if role == "buyer" else "CN"),
                company_name=company_name
                or (f"Neikeng Test Factory {uuid.uuid4().hex[:6]}" if role == "supplier" else None),
            )
            transaction.commit()
            user_id = user.id
            db.session.remove()
        return {"email": email, "password": password, "id": user_id}

    return _make

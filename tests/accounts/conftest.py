"""Helpers shared by the accounts tests."""

from __future__ import annotations

import itertools
import re

import flask
import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
TOKENS = "/api/v1/auth/tokens"
PASSWORD_RESET = "/api/v1/auth/password-reset"
PASSWORD_RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"

GOOD_PASSWORD = "slipper-sourcing-2026"

_emails = itertools.count(1)


def new_email(prefix: str = "person") -> str:
    return f"{prefix}{next(_emails)}@register.example"


def buyer_payload(**overrides) -> dict:
    payload = {
        "email": new_email("buyer"),
        "password": GOOD_PASSWORD,
        "name": "Maria Santos",
        "role": "buyer",
        "country": "PH",
    }
    payload.update(overrides)
    return payload


def supplier_payload(**overrides) -> dict:
    payload = {
        "email": new_email("owner"),
        "password": GOOD_PASSWORD,
        "name": "Chen Wei",
        "role": "supplier",
        "company_name": "Jinjiang Neikeng Slipper Co., Ltd.",
        "country": "CN",
    }
    payload.update(overrides)
    return payload


def commit():
    """Make the test's factory rows survive a request's rollback.

    Factories only flush; every refused request rolls the session back, which in the
    per-test transaction would silently remove rows that were merely flushed.
    """
    transaction.commit()


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email_normalized == email.strip().lower()))


def emails_to(address: str) -> list[OutboxEmail]:
    """The outbox e-mails written to ``address``, oldest first (the project's mail capture:
    nothing leaves the outbox without MAIL_SERVER)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        )
    )


def reset_token_in(email: OutboxEmail) -> str:
    """The ``token=`` of the password reset link an e-mail carries."""
    match = re.search(r"/password-reset\?token=(nkr_[A-Za-z0-9_-]+)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def without_request_id(body: dict) -> dict:
    return {key: value for key, value in body.items() if key != "request_id"}


def assert_error_envelope(response, code: int) -> None:
    """The one error shape: code, status, message, request_id; never a stack trace."""
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert set(body) <= {"code", "status", "message", "errors", "request_id"}
    text = response.get_data(as_text=True)
    for leak in ("Traceback", 'File "', "sqlalchemy", "psycopg", "werkzeug"):
        assert leak not in text


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    """Give every test-client request an empty ``g``, as it has in production.

    tests/conftest.py keeps one app context open for the whole test, and Flask
    reuses it for each test-client request, so ``g`` would carry flask-login's
    user, Flask-WTF's CSRF token and Babel's locale from one request (and one
    client) to the next: an anonymous client would see the last logged-in user.
    """

    def reset_g(sender, **extra):
        flask.g._get_current_object().__dict__.clear()

    flask.request_started.connect(reset_g, app, weak=False)
    try:
        yield
    finally:
        flask.request_started.disconnect(reset_g, app)


@pytest.fixture
def ip_address():
    """A fresh client IP per call, to keep per-IP limits out of a test's way."""
    counter = itertools.count(1)
    return lambda: f"198.51.100.{next(counter)}"


# The real SMTP server in this process, for the reset e-mail's delivery.
from tests.notifications.conftest import mail_to, smtp_server  # noqa: E402, F401 - fixtures

"""``/login?next=`` only ever sends the browser to a path on our own site."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from marketplace.web.safe_next import safe_next
from tests.accounts.conftest import commit
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory

OUR_HOST = "localhost"

HOSTILE = [
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https:/evil.com",
    "https://evil.com",
    "http://localhost.evil.com/",
    "HTTPS://EVIL.COM",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.com",
    "/%2F/evil.com",
    "/%5Cevil.com",
    "%252F%252Fevil.com",
    " //evil.com",
    "\t//evil.com",
    "/\t/evil.com",
    "/%09/evil.com",
    "\n//evil.com",
    "/\r\n/evil.com",
    "///evil.com",
    "////evil.com",
    "/\\/evil.com",
    "evil.com",
    "@evil.com",
    "https:evil.com",
    "\u3000//evil.com",
    "\uff0f\uff0fevil.com",
]


def browser_target(location: str) -> tuple[str, str]:
    """Where a browser would go: WHATWG URL parsing strips tabs/newlines and leading
    C0/space, and treats backslashes like slashes in http(s) URLs."""
    cleaned = re.sub(r"[\t\n\r]", "", location).lstrip("\x00- ").replace("\\", "/")
    absolute = urljoin(f"http://{OUR_HOST}/login", cleaned)
    parts = urlsplit(absolute)
    return parts.scheme, parts.netloc


def log_in_with_next(app, next_value: str, *, email: str):
    browser = app.test_client()
    token = browser.get("/api/v1/auth/csrf").json["csrf_token"]
    return browser.post(
        "/login",
        query_string={"next": next_value},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )


@pytest.fixture
def buyer():
    user = BuyerFactory()
    commit()
    return user


@pytest.mark.parametrize("next_value", HOSTILE)
def test_hostile_next_lands_on_our_own_host(app, buyer, next_value):
    response = log_in_with_next(app, next_value, email=buyer.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert browser_target(location) == ("http", OUR_HOST), location
    assert "evil" not in location.lower()
    assert "javascript" not in location.lower()


@pytest.mark.parametrize("next_value", ["//evil.com", "/\\evil.com", "javascript:alert(1)"])
def test_hostile_next_in_the_form_body_is_refused_too(app, buyer, next_value):
    browser = app.test_client()
    token = browser.get("/api/v1/auth/csrf").json["csrf_token"]
    response = browser.post(
        "/login",
        data={"email": buyer.email, "password": PASSWORD, "csrf_token": token, "next": next_value},
    )
    assert response.status_code == 302
    assert browser_target(response.headers["Location"]) == ("http", OUR_HOST)


def test_raw_encoded_query_string_is_refused(app, buyer):
    # The attacker's link as typed: /login?next=%2F%2Fevil.com (the app sees //evil.com).
    for raw in ("next=%2F%2Fevil.com", "next=%2F%5Cevil.com", "next=%09%2F%2Fevil.com"):
        browser = app.test_client()
        token = browser.get("/api/v1/auth/csrf").json["csrf_token"]
        response = browser.post(
            f"/login?{raw}",
            data={"email": buyer.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        assert browser_target(response.headers["Location"]) == ("http", OUR_HOST), raw


@pytest.mark.parametrize("next_value", ["/buyer", "/buyer?tab=rfqs", "/products/12#reviews"])
def test_own_path_is_honoured(app, buyer, next_value):
    response = log_in_with_next(app, next_value, email=buyer.email)
    assert response.status_code == 302
    assert response.headers["Location"] == next_value


def test_already_logged_in_visit_with_hostile_next_stays_home(app, buyer):
    browser = app.test_client()
    token = browser.get("/api/v1/auth/csrf").json["csrf_token"]
    browser.post("/login", data={"email": buyer.email, "password": PASSWORD, "csrf_token": token})
    for next_value in ("//evil.com", "/\\evil.com", "/buyer"):
        response = browser.get("/login", query_string={"next": next_value})
        assert response.status_code == 302
        assert browser_target(response.headers["Location"]) == ("http", OUR_HOST)
    assert browser.get("/login", query_string={"next": "/buyer"}).headers["Location"] == "/buyer"


def test_login_form_does_not_carry_a_hostile_next(app):
    page = app.test_client().get("/login", query_string={"next": "//evil.com"})
    assert page.status_code == 200
    actions = re.findall(r'<form[^>]*action="([^"]*)"', page.get_data(as_text=True))
    login_actions = [action for action in actions if action.startswith("/login")]
    assert login_actions
    assert all("evil" not in action for action in login_actions), login_actions


@pytest.mark.parametrize("next_value", HOSTILE)
def test_safe_next_refuses_hostile_values(next_value):
    assert safe_next(next_value, default="/home") == "/home"


@pytest.mark.parametrize("next_value", [None, ""])
def test_safe_next_default(next_value):
    assert safe_next(next_value, default="/home") == "/home"

import json

import pytest
from sqlalchemy.exc import OperationalError

from marketplace.accounts import services
from tests.factories import BuyerFactory


def test_404_is_an_html_page_for_browsers(browser):
    response = browser.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.text
    assert response.headers["X-Request-ID"] in response.text  # the reference to quote
    assert 'href="/"' in response.text


def test_404_page_in_chinese(browser):
    response = browser.get("/no-such-page", headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 404
    assert "页面不存在" in response.text


def test_404_under_api_is_json_even_for_a_browser(browser):
    response = browser.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.json
    assert body["code"] == 404
    assert body["status"] == "Not Found"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "<html" not in response.text


def test_403_page_for_a_browser_and_json_for_an_api_client(signed_in):
    page = signed_in(BuyerFactory())

    html = page.get("/admin")
    as_json = page.get("/admin", headers={"Accept": "application/json"})

    assert html.status_code == as_json.status_code == 403
    assert html.mimetype == "text/html"
    assert "Access denied" in html.text
    assert as_json.mimetype == "application/json"
    assert as_json.json["code"] == 403


def test_403_under_api_is_json(signed_in):
    """A buyer may not create products (suppliers only): JSON, never the HTML page."""
    page = signed_in(BuyerFactory())
    token = page.client.get("/api/v1/auth/csrf").json["csrf_token"]

    response = page.client.post(
        "/api/v1/products",
        data=json.dumps({"sku": "X"}),
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "text/html"},
    )

    assert response.status_code == 403
    assert response.mimetype == "application/json"
    assert response.json["code"] == 403


def test_405_page_is_translated(browser):
    response = browser.client.put("/login", headers={"Accept": "text/html"})

    assert response.status_code == 405
    assert "Method not allowed" in response.text


def test_error_page_renders_while_the_database_is_down(browser, monkeypatch):
    """The 503 page must not need the database for its header (the signed-in user)."""
    buyer = BuyerFactory()
    browser.login(buyer.email)

    def database_down(_cookie_id):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(services, "load_session_user", database_down)
    response = browser.get("/buyer")

    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert "Service unavailable" in response.text
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/logout", "/no-such-page"])
def test_security_headers_on_pages(browser, path):
    response = browser.get(path)

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags_on_pages(browser):
    response = browser.get("/login")  # the form's CSRF secret starts a session

    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("mp_session=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie

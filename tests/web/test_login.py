from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import UserSession, UserStatus
from tests.conftest import PASSWORD
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.web.conftest import FormScan, csrf_token_in


def location_path(response) -> str:
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_login_form_fields_are_named_like_the_api_and_labelled(browser):
    response = browser.get("/login")

    assert response.status_code == 200
    scan = FormScan(response.text)
    names = {control.get("name") for control in scan.controls}
    assert {"email", "password", "remember"} <= names
    for control in scan.controls:
        if control.get("name") in {"email", "password", "remember"}:
            assert control["id"] in scan.label_targets, control
    assert 'autocomplete="current-password"' in response.text


@pytest.mark.parametrize(
    ("factory", "dashboard"),
    [(BuyerFactory, "/buyer"), (SupplierOwnerFactory, "/dashboard"), (AdminFactory, "/admin")],
)
def test_good_credentials_land_on_the_role_dashboard(browser, factory, dashboard):
    user = factory()

    response = browser.post("/login", {"email": user.email.upper(), "password": PASSWORD})

    assert response.status_code == 302
    assert location_path(response) == dashboard
    assert browser.get(dashboard).status_code == 200


def test_login_honours_a_safe_next(browser):
    buyer = BuyerFactory()

    response = browser.post(
        "/login?next=/buyer%3Ftab%3Drfqs",
        {"email": buyer.email, "password": PASSWORD},
        csrf_from="/login",
    )

    assert location_path(response) == "/buyer?tab=rfqs"


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.com/x",
        "/\\evil.com",
        "https:/evil.com",
        "https://evil.com/",
        "javascript:alert(1)",
        "%2F%2Fevil.com",
        "/%2F/evil.com",
        " //evil.com",
        "/\t/evil.com",
    ],
)
def test_login_never_redirects_off_site(browser, evil):
    buyer = BuyerFactory()

    response = browser.post(
        "/login", {"email": buyer.email, "password": PASSWORD, "next": evil}, csrf_from="/login"
    )

    assert response.status_code == 302
    assert location_path(response) == "/buyer"
    assert "evil" not in response.headers["Location"]


def test_bad_password_shows_the_error_and_the_form_again(browser, db_session):
    buyer = BuyerFactory()

    response = browser.post("/login", {"email": buyer.email, "password": "wrong password!"})

    assert response.status_code == 401
    assert "Invalid e-mail or password." in response.text
    assert 'name="password"' in response.text
    assert f'value="{buyer.email}"' in response.text  # the e-mail is kept, the password not
    assert "wrong password!" not in response.text
    assert browser.get("/buyer").status_code == 302  # still signed out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(browser):
    known = BuyerFactory()
    wrong_password = browser.post("/login", {"email": known.email, "password": "not it at all"})
    unknown = browser.post("/login", {"email": "nobody@nowhere.example", "password": "x" * 12})

    assert wrong_password.status_code == unknown.status_code == 401
    assert "Invalid e-mail or password." in unknown.text


def test_empty_form_shows_field_errors(browser):
    response = browser.post("/login", {"email": "", "password": ""})

    assert response.status_code == 422
    assert "Enter your e-mail address." in response.text
    assert "Enter your password." in response.text
    assert 'aria-invalid="true"' in response.text


def test_login_without_csrf_token_is_refused(browser, db_session):
    buyer = BuyerFactory()

    response = browser.post("/login", {"email": buyer.email, "password": PASSWORD}, csrf_from=False)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "This form has expired" in response.text
    assert db_session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    assert browser.get("/buyer").status_code == 302


def test_login_with_a_forged_csrf_token_is_refused(browser):
    buyer = BuyerFactory()

    response = browser.post(
        "/login", {"email": buyer.email, "password": PASSWORD, "csrf_token": "forged"}
    )

    assert response.status_code == 400


def test_suspended_account_cannot_sign_in(browser):
    buyer = BuyerFactory(status=UserStatus.SUSPENDED)

    response = browser.post("/login", {"email": buyer.email, "password": PASSWORD})

    assert response.status_code == 401
    assert "This account is suspended" in response.text


def test_eleventh_attempt_is_throttled_even_with_the_right_password(browser):
    buyer = BuyerFactory()
    token = csrf_token_in(browser.get("/login").text)
    for _ in range(10):
        browser.client.post(
            "/login", data={"email": buyer.email, "password": "bad", "csrf_token": token}
        )

    response = browser.client.post(
        "/login", data={"email": buyer.email, "password": PASSWORD, "csrf_token": token}
    )

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in response.text


def test_signed_in_user_visiting_login_goes_to_the_dashboard(signed_in):
    page = signed_in(BuyerFactory())

    response = page.get("/login")

    assert response.status_code == 302
    assert location_path(response) == "/buyer"


def test_login_starts_a_fresh_session(browser):
    """Session fixation: what the anonymous session held (its CSRF secret) is gone."""
    buyer = BuyerFactory()
    anonymous_token = csrf_token_in(browser.get("/login").text)

    browser.login(buyer.email)
    stale = browser.post("/logout", {"csrf_token": anonymous_token}, csrf_from=False)

    assert stale.status_code == 400
    assert browser.get("/buyer").status_code == 200  # still signed in

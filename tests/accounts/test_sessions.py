"""Session cookies: flags, fixation, logout, password change, suspension, remember-me."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts import services
from marketplace.accounts.models import User, UserSession, UserStatus
from marketplace.extensions import db
from tests.accounts.conftest import ME, TOKENS, commit
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory, SupplierStaffFactory

SESSION_COOKIE = "mp_session"
REMEMBER_COOKIE = "mp_remember"
ROOT = Path(__file__).resolve().parents[2]


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def cookie_attributes(header: str) -> dict[str, str]:
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


def client_with_cookies(app, **cookies):
    """A brand-new browser that only has the given cookies (e.g. stolen ones)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost")
    return client


def cookie_value(api_client, name: str) -> str | None:
    cookie = api_client.client.get_cookie(name)
    return cookie.value if cookie else None


def session_rows(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
    )


# Cookie flags ----------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(api):
    buyer = BuyerFactory()
    commit()
    response = api.login(buyer.email, remember=True)
    assert response.status_code == 200
    for name in (SESSION_COOKIE, REMEMBER_COOKIE):
        attributes = cookie_attributes(set_cookie_header(response, name))
        assert "httponly" in attributes, name
        assert attributes["samesite"].lower() == "lax", name
        assert attributes["path"] == "/", name
        assert "domain" not in attributes, name  # host-only


PRODUCTION_PROBE = textwrap.dedent(
    """
    import json, sys
    from config import ProductionConfig

    class Production(ProductionConfig):
        SECRET_KEY = "p" * 48
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = "memory://"

        @classmethod
        def validate(cls):
            pass  # production's own database and services are not the point here
                  # (the start-up checks: tests/core/test_production_config.py)

    from marketplace import create_app, transaction
    from marketplace.extensions import db
    from marketplace.accounts import services
    from marketplace.accounts.models import Role

    app = create_app(Production)
    with app.app_context():
        db.create_all()
        services.register_user(
            email="prod@importer.example", password="production slippers 1",
            name="Prod", role=Role.BUYER,
        )
        transaction.commit()
    client = app.test_client()
    token = client.get("/api/v1/auth/csrf", base_url="https://localhost").json["csrf_token"]
    response = client.post(
        "/api/v1/auth/login", base_url="https://localhost",
        json={"email": "prod@importer.example", "password": "production slippers 1",
              "remember": True},
        headers={"X-CSRFToken": token, "Referer": "https://localhost/login"},
    )
    print(json.dumps({"status": response.status_code,
                      "cookies": response.headers.getlist("Set-Cookie"),
                      "hsts": response.headers.get("Strict-Transport-Security")}))
    """
)


def test_cookies_are_secure_with_the_production_config(tmp_path):
    # A separate process: create_app() binds the shared extensions to the app it builds.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SESSION_COOKIE_SECURE", "HSTS_ENABLED"}
    }
    env["SECRET_KEY"] = "s" * 48  # ProductionConfig.validate() reads the environment
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a constant script
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 200
    names = {header.split("=", 1)[0]: header for header in outcome["cookies"]}
    assert {SESSION_COOKIE, REMEMBER_COOKIE} <= set(names)
    for name in (SESSION_COOKIE, REMEMBER_COOKIE):
        attributes = cookie_attributes(names[name])
        assert "secure" in attributes, names[name]
        assert "httponly" in attributes, names[name]
        assert attributes["samesite"].lower() == "lax"
    assert outcome["hsts"]


def test_cookies_are_not_secure_only_outside_production(api):
    buyer = BuyerFactory()
    commit()
    response = api.login(buyer.email)
    assert "secure" not in cookie_attributes(set_cookie_header(response, SESSION_COOKIE))


# Fixation and logout -------------------------------------------------------


def test_session_cookie_changes_at_login(api):
    buyer = BuyerFactory()
    commit()
    api.refresh_csrf()
    before = cookie_value(api, SESSION_COOKIE)
    assert before
    assert api.login(buyer.email).status_code == 200
    after = cookie_value(api, SESSION_COOKIE)
    assert after and after != before


def test_pre_login_cookie_does_not_become_authenticated(app, api):
    buyer = BuyerFactory()
    commit()
    api.refresh_csrf()
    planted = cookie_value(api, SESSION_COOKIE)  # what an attacker could have fixed
    assert api.login(buyer.email).status_code == 200
    assert api.get(ME).status_code == 200
    attacker = client_with_cookies(app, **{SESSION_COOKIE: planted})
    assert attacker.get(ME).status_code == 401


def test_two_logins_get_two_different_sessions(make_api):
    buyer = BuyerFactory()
    commit()
    first, second = make_api(), make_api()
    assert first.login(buyer.email).status_code == 200
    assert second.login(buyer.email).status_code == 200
    assert cookie_value(first, SESSION_COOKIE) != cookie_value(second, SESSION_COOKIE)
    assert session_rows(buyer.id) == 2


def test_cookie_captured_before_logout_is_refused_after_it(app, api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email).status_code == 200
    captured = cookie_value(api, SESSION_COOKIE)
    assert client_with_cookies(app, **{SESSION_COOKIE: captured}).get(ME).status_code == 200

    response = api.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert api.get(ME).status_code == 401
    replay = client_with_cookies(app, **{SESSION_COOKIE: captured})
    assert replay.get(ME).status_code == 401
    assert session_rows(buyer.id) == 0


def test_logout_ends_only_this_session(login_as):
    buyer = BuyerFactory()
    commit()
    laptop, phone = login_as(buyer), login_as(buyer)
    assert laptop.post("/api/v1/auth/logout").status_code == 204
    assert laptop.get(ME).status_code == 401
    assert phone.get(ME).status_code == 200


def test_logout_when_not_logged_in_is_401(api):
    response = api.post("/api/v1/auth/logout")
    assert response.status_code == 401


# Password change -----------------------------------------------------------


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login_as, make_api):
    buyer = BuyerFactory()
    commit()
    current = login_as(buyer)
    other_browser = login_as(buyer)
    other_remembered = login_as(buyer, remember=True)
    remembered_cookie = cookie_value(other_remembered, REMEMBER_COOKIE)

    response = current.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new slipper pass"},
    )
    assert response.status_code == 204
    assert current.get(ME).status_code == 200
    assert other_browser.get(ME).status_code == 401
    assert other_remembered.get(ME).status_code == 401
    replay = client_with_cookies(app, **{REMEMBER_COOKIE: remembered_cookie})
    assert replay.get(ME).status_code == 401
    assert session_rows(buyer.id) == 1
    # The current session can still make unsafe requests (its CSRF token still works).
    assert current.post(TOKENS, json={"name": "after change"}).status_code == 201


def bearer_status(app, secret: str) -> int:
    return app.test_client().get(ME, headers={"Authorization": f"Bearer {secret}"}).status_code


def test_password_change_revokes_api_tokens_by_default(app, login_as):
    # Whoever learnt the old password may have made tokens with it: a new password
    # takes them away too, unless the owner says otherwise.
    buyer = BuyerFactory()
    commit()
    client = login_as(buyer)
    secrets_ = [client.post(TOKENS, json={"name": f"erp {n}"}).json["token"] for n in range(2)]
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new slipper pass"},
    )
    assert response.status_code == 204
    assert [bearer_status(app, secret) for secret in secrets_] == [401, 401]
    assert client.get(TOKENS).json["items"] == []
    assert client.get(ME).status_code == 200  # this session stays


def test_password_change_keeps_api_tokens_when_asked(app, login_as, make_api):
    buyer = BuyerFactory()
    commit()
    client = login_as(buyer)
    other_browser = login_as(buyer)
    secret = client.post(TOKENS, json={"name": "erp"}).json["token"]
    response = client.post(
        "/api/v1/auth/password",
        json={
            "current_password": PASSWORD,
            "new_password": "a brand new slipper pass",
            "revoke_tokens": False,
        },
    )
    assert response.status_code == 204
    assert bearer_status(app, secret) == 200
    assert other_browser.get(ME).status_code == 401  # other sessions end all the same


def test_password_change_with_a_token_revokes_it_too(app, login_as):
    buyer = BuyerFactory()
    commit()
    secret = login_as(buyer).post(TOKENS, json={"name": "erp"}).json["token"]
    response = app.test_client().post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new slipper pass"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 204
    assert bearer_status(app, secret) == 401


def page_password_change(client, **form):
    token = client.get("/api/v1/auth/csrf").json["csrf_token"]
    body = {"current_password": PASSWORD, "new_password": "a brand new slipper pass"}
    return client.post("/account/password", data={**body, **form, "csrf_token": token})


def test_the_password_page_revokes_tokens_unless_unticked(app, login_as):
    buyer = BuyerFactory()
    commit()
    browser = login_as(buyer)
    page = browser.client.get("/account/password").get_data(as_text=True)
    assert 'name="revoke_tokens"' in page
    checkbox = page[
        page.index('name="revoke_tokens"') - 120 : page.index('name="revoke_tokens"') + 80
    ]
    assert "checked" in checkbox  # revocation is the default

    kept = browser.post(TOKENS, json={"name": "kept"}).json["token"]
    response = page_password_change(browser.client)  # an unticked box is not sent
    assert response.status_code == 302
    assert bearer_status(app, kept) == 200

    revoked = browser.post(TOKENS, json={"name": "revoked"}).json["token"]
    response = page_password_change(
        browser.client,
        current_password="a brand new slipper pass",
        new_password="another slipper passphrase",
        revoke_tokens="y",
    )
    assert response.status_code == 302
    assert [bearer_status(app, kept), bearer_status(app, revoked)] == [401, 401]
    assert browser.get(ME).status_code == 200


def test_the_password_page_ends_other_sessions_and_checks_the_current_password(login_as):
    buyer = BuyerFactory()
    commit()
    browser = login_as(buyer)
    other = login_as(buyer)
    wrong = page_password_change(browser.client, current_password="not my password")
    assert wrong.status_code == 422
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    assert other.get(ME).status_code == 200
    assert page_password_change(browser.client, revoke_tokens="y").status_code == 302
    assert other.get(ME).status_code == 401
    assert browser.get(ME).status_code == 200


# Suspension and removal ------------------------------------------------------


def suspend(user_id: int) -> None:
    user = db.session.get(User, user_id)
    user.status = UserStatus.SUSPENDED
    services.end_all_access(user)
    transaction.commit()


def test_suspension_ends_sessions_and_tokens_on_the_next_request(app, login_as):
    buyer = BuyerFactory()
    commit()
    browser = login_as(buyer)
    remembered = login_as(buyer, remember=True)
    remember_cookie = cookie_value(remembered, REMEMBER_COOKIE)
    secret = browser.post(TOKENS, json={"name": "erp"}).json["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get(ME, headers=bearer).status_code == 200

    suspend(buyer.id)

    assert browser.get(ME).status_code == 401
    assert remembered.get(ME).status_code == 401
    assert client_with_cookies(app, **{REMEMBER_COOKIE: remember_cookie}).get(ME).status_code == 401
    assert app.test_client().get(ME, headers=bearer).status_code == 401
    assert app.test_client().post(TOKENS, json={"name": "x"}, headers=bearer).status_code == 401


def test_suspended_status_alone_stops_existing_sessions_and_tokens(app, login_as):
    # Even if a code path forgets end_all_access, a suspended user is not let in.
    buyer = BuyerFactory()
    commit()
    browser = login_as(buyer)
    secret = browser.post(TOKENS, json={"name": "erp"}).json["token"]
    db.session.get(User, buyer.id).status = UserStatus.SUSPENDED
    commit()
    assert browser.get(ME).status_code == 401
    response = app.test_client().get(ME, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_removed_staff_member_loses_access_on_the_next_request(app, login_as):
    staff = SupplierStaffFactory()
    commit()
    browser = login_as(staff)
    secret = browser.post(TOKENS, json={"name": "erp"}).json["token"]
    user = db.session.get(User, staff.id)
    user.supplier_id = None
    user.company_role = None
    services.end_all_access(user)
    commit()
    assert browser.get(ME).status_code == 401
    response = app.test_client().get(ME, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


# Remember me -----------------------------------------------------------------


def test_remember_cookie_logs_in_after_the_session_cookie_is_gone(app, api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email, remember=True).status_code == 200
    remember = cookie_value(api, REMEMBER_COOKIE)
    assert remember

    browser_restarted = client_with_cookies(app, **{REMEMBER_COOKIE: remember})
    response = browser_restarted.get(ME)
    assert response.status_code == 200
    assert response.json["id"] == buyer.id


def test_no_remember_cookie_without_remember(api):
    buyer = BuyerFactory()
    commit()
    response = api.login(buyer.email)
    assert not [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER_COOKIE}=")
    ]


def test_remember_cookie_stops_working_after_logout(app, api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email, remember=True).status_code == 200
    remember = cookie_value(api, REMEMBER_COOKIE)
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert cookie_value(api, REMEMBER_COOKIE) is None  # the browser was told to drop it
    replay = client_with_cookies(app, **{REMEMBER_COOKIE: remember})
    assert replay.get(ME).status_code == 401


def test_forged_remember_cookie_is_refused(app, login_as):
    buyer = BuyerFactory()
    commit()
    login_as(buyer, remember=True)
    for forged in (f"{buyer.id}:guess", str(buyer.id), f"{buyer.id}|deadbeef", "garbage"):
        assert client_with_cookies(app, **{REMEMBER_COOKIE: forged}).get(ME).status_code == 401


def expires_in(response, name: str) -> timedelta:
    attributes = cookie_attributes(set_cookie_header(response, name))
    return parsedate_to_datetime(attributes["expires"]) - datetime.now(UTC)


@pytest.mark.parametrize("days", [None, 7])
def test_remember_me_lifetime_is_remember_me_days(app, api, monkeypatch, days):
    if days is not None:
        monkeypatch.setitem(app.config, "REMEMBER_ME_DAYS", days)
    days = app.config["REMEMBER_ME_DAYS"]
    buyer = BuyerFactory()
    commit()
    response = api.login(buyer.email, remember=True)
    assert response.status_code == 200

    lifetime = expires_in(response, REMEMBER_COOKIE)
    assert abs(lifetime - timedelta(days=days)) < timedelta(minutes=1)

    row = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == buyer.id)).one()
    assert row.is_remembered
    row_expires = row.expires_at
    assert abs(row_expires - datetime.now(UTC) - timedelta(days=days)) < timedelta(minutes=1)


def test_session_without_remember_lasts_session_lifetime_hours(app, api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email).status_code == 200
    row = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == buyer.id)).one()
    assert not row.is_remembered
    expires = row.expires_at
    hours = app.config["SESSION_LIFETIME_HOURS"]
    assert abs(expires - datetime.now(UTC) - timedelta(hours=hours)) < timedelta(minutes=1)


def test_expired_session_is_refused(api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email).status_code == 200
    row = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == buyer.id)).one()
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    commit()
    assert api.get(ME).status_code == 401

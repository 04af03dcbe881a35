"""Personal API tokens (Bearer): made only from a session with a recent password, and CSRF
on every cookie-authenticated unsafe request."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import ApiToken, User, UserSession
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.accounts.conftest import (
    ME,
    REGISTER,
    TOKENS,
    assert_error_envelope,
    buyer_payload,
    commit,
    count_users,
)
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory, SupplierOwnerFactory


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def active_tokens(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )


@pytest.fixture
def buyer():
    user = BuyerFactory()
    commit()
    return user


def test_token_is_shown_once_and_never_listed(login_as, buyer):
    client = login_as(buyer)
    response = client.post(TOKENS, json={"name": "ERP integration"})
    assert response.status_code == 201
    created = response.json
    assert created["name"] == "ERP integration"
    assert re.fullmatch(r"nkp_[A-Za-z0-9_-]{40,}", created["token"])
    secret = created["token"]

    listing = client.get(TOKENS)
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json["items"]] == [created["id"]]
    assert "token" not in listing.json["items"][0]
    assert secret not in listing.get_data(as_text=True)
    assert secret[4:] not in listing.get_data(as_text=True)

    stored = db.session.get(ApiToken, created["id"])
    assert secret not in (stored.token_hash, stored.prefix)
    assert not secret.startswith(stored.token_hash)


def test_bearer_token_authenticates_without_csrf(app, login_as, buyer):
    secret = login_as(buyer).post(TOKENS, json={"name": "erp"}).json["token"]
    integration = app.test_client()  # no cookies, no CSRF token
    assert integration.get(ME, headers=bearer(secret)).json["id"] == buyer.id
    response = integration.patch(ME, json={"name": "Renamed by ERP"}, headers=bearer(secret))
    assert response.status_code == 200
    assert db.session.get(User, buyer.id).name == "Renamed by ERP"


def test_bearer_request_ignores_cookies(login_as, buyer):
    other = BuyerFactory()
    commit()
    other_secret = login_as(other).post(TOKENS, json={"name": "x"}).json["token"]
    browser = login_as(buyer)  # logged in by cookie as `buyer`

    response = browser.client.get(ME, headers=bearer(other_secret))
    assert response.json["id"] == other.id  # the token wins
    response = browser.client.get(ME, headers=bearer("nkp_revoked-or-made-up"))
    assert_error_envelope(response, 401)  # a bad token is not rescued by the cookie
    assert browser.client.get(ME, headers={"Authorization": "Bearer "}).status_code == 401
    # A Bearer request skips CSRF, so it must not be able to ride on the cookie either.
    before = active_tokens(buyer.id)
    response = browser.client.post(TOKENS, json={"name": "csrf"}, headers=bearer("nkp_nope"))
    assert response.status_code == 401
    assert active_tokens(buyer.id) == before


# Making a token needs the password, not a token -----------------------------------


def age_sessions(user_id: int, **age) -> None:
    """The password was last entered in the user's sessions ``age`` ago."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user_id)
        .values(password_verified_at=utcnow() - timedelta(**age))
    )
    commit()


def test_a_bearer_token_cannot_create_tokens(app, login_as, buyer):
    secret = login_as(buyer).post(TOKENS, json={"name": "erp"}).json["token"]
    integration = app.test_client()
    for body in ({"name": "second"}, {"name": "second", "password": PASSWORD}):
        response = integration.post(TOKENS, json=body, headers=bearer(secret))
        assert_error_envelope(response, 403)
        assert "API token cannot" in response.json["message"]
        assert "errors" not in response.json  # not a matter of entering the password
    assert active_tokens(buyer.id) == 1
    # It can still list and revoke (itself included).
    assert integration.get(TOKENS, headers=bearer(secret)).status_code == 200


def test_a_fresh_login_creates_a_token_with_the_contract_body(login_as, buyer):
    response = login_as(buyer).post(TOKENS, json={"name": "ERP"})
    assert response.status_code == 201
    assert {"id", "name", "token"} <= set(response.json)


def test_a_stale_session_must_enter_the_password_again(login_as, buyer):
    client = login_as(buyer)
    age_sessions(buyer.id, minutes=16)

    stale = client.post(TOKENS, json={"name": "erp"})
    assert_error_envelope(stale, 403)
    assert stale.json["errors"]["password"] == ["Enter your password again."]
    wrong = client.post(TOKENS, json={"name": "erp", "password": "not my password"})
    assert_error_envelope(wrong, 403)
    assert wrong.json["errors"]["password"] == ["The password is wrong."]
    assert active_tokens(buyer.id) == 0

    assert client.post(TOKENS, json={"name": "erp", "password": PASSWORD}).status_code == 201
    # That counts as entering it: the next one needs it no more.
    assert client.post(TOKENS, json={"name": "erp 2"}).status_code == 201
    assert active_tokens(buyer.id) == 2


def test_a_session_younger_than_the_window_needs_no_password(app, login_as, buyer):
    assert app.config["TOKEN_CREATE_REAUTH_SECONDS"] == 15 * 60
    client = login_as(buyer)
    age_sessions(buyer.id, minutes=14)
    assert client.post(TOKENS, json={"name": "erp"}).status_code == 201


def test_the_window_is_configurable(app, login_as, buyer, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_CREATE_REAUTH_SECONDS", 60)
    client = login_as(buyer)
    age_sessions(buyer.id, minutes=2)
    assert client.post(TOKENS, json={"name": "erp"}).status_code == 403


def test_a_remembered_session_restored_later_needs_the_password(app, login_as, buyer):
    client = login_as(buyer, remember=True)
    age_sessions(buyer.id, days=3)
    restored = app.test_client()
    restored.set_cookie("mp_remember", client.client.get_cookie("mp_remember").value)
    token = restored.get("/api/v1/auth/csrf").json["csrf_token"]
    response = restored.post(TOKENS, json={"name": "erp"}, headers={"X-CSRFToken": token})
    assert_error_envelope(response, 403)
    assert "password" in response.json["errors"]


def test_wrong_passwords_to_make_a_token_count_as_failed_logins(login_as, buyer):
    client = login_as(buyer)
    age_sessions(buyer.id, hours=1)
    for _ in range(9):  # with the login itself, ten attempts from this address
        response = client.post(TOKENS, json={"name": "erp", "password": "guess"})
        assert response.status_code == 403
    # The login limits hold: a stolen session cookie is no way to guess the password.
    refused = client.post(TOKENS, json={"name": "erp", "password": PASSWORD})
    assert_error_envelope(refused, 429)
    assert active_tokens(buyer.id) == 0


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer nkp_", "Basic dXNlcjpwYXNz", "bearer " + "a" * 5000, "Token x"]
)
def test_malformed_authorization_is_401_or_ignored(app, header):
    response = app.test_client().get(ME, headers={"Authorization": header})
    assert_error_envelope(response, 401)


def test_revoked_token_is_401(app, login_as, buyer):
    client = login_as(buyer)
    created = client.post(TOKENS, json={"name": "erp"}).json
    assert app.test_client().get(ME, headers=bearer(created["token"])).status_code == 200
    assert client.delete(f"{TOKENS}/{created['id']}").status_code == 204
    assert_error_envelope(app.test_client().get(ME, headers=bearer(created["token"])), 401)
    assert client.get(TOKENS).json["items"] == []
    assert client.delete(f"{TOKENS}/{created['id']}").status_code == 404


def test_token_can_revoke_itself(app, login_as, buyer):
    created = login_as(buyer).post(TOKENS, json={"name": "erp"}).json
    integration = app.test_client()
    response = integration.delete(f"{TOKENS}/{created['id']}", headers=bearer(created["token"]))
    assert response.status_code == 204
    assert integration.get(ME, headers=bearer(created["token"])).status_code == 401


def test_another_users_token_is_404_and_keeps_working(app, login_as, buyer):
    owner = SupplierOwnerFactory()
    commit()
    theirs = login_as(owner).post(TOKENS, json={"name": "theirs"}).json
    mine = login_as(buyer)
    response = mine.delete(f"{TOKENS}/{theirs['id']}")
    assert_error_envelope(response, 404)
    assert app.test_client().get(ME, headers=bearer(theirs["token"])).json["id"] == owner.id
    assert active_tokens(owner.id) == 1


def test_someone_elses_and_missing_token_look_the_same(login_as, buyer):
    owner = SupplierOwnerFactory()
    commit()
    theirs = login_as(owner).post(TOKENS, json={"name": "theirs"}).json
    mine = login_as(buyer)
    someone_elses = mine.delete(f"{TOKENS}/{theirs['id']}")
    missing = mine.delete(f"{TOKENS}/999999")
    assert someone_elses.status_code == missing.status_code == 404
    assert someone_elses.json["message"] == missing.json["message"]


def test_token_cap_is_409(app, login_as, buyer, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_MAX_PER_USER", 3)
    client = login_as(buyer)
    ids = [client.post(TOKENS, json={"name": f"t{i}"}).json["id"] for i in range(3)]
    response = client.post(TOKENS, json={"name": "one too many"})
    assert_error_envelope(response, 409)
    assert active_tokens(buyer.id) == 3
    # Revoking one frees a slot.
    assert client.delete(f"{TOKENS}/{ids[0]}").status_code == 204
    assert client.post(TOKENS, json={"name": "replacement"}).status_code == 201


def test_default_token_cap_is_applied(app, login_as, buyer):
    cap = app.config["API_TOKEN_MAX_PER_USER"]
    client = login_as(buyer)
    for index in range(cap):
        assert client.post(TOKENS, json={"name": f"t{index}"}).status_code == 201
    assert client.post(TOKENS, json={"name": "over"}).status_code == 409
    assert active_tokens(buyer.id) == cap


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "n" * 101}, {"name": "x", "id": 5}])
def test_token_name_is_validated(login_as, buyer, body):
    client = login_as(buyer)
    response = client.post(TOKENS, json=body)
    assert_error_envelope(response, 422)
    assert active_tokens(buyer.id) == 0


def test_tokens_need_a_login(app):
    client = app.test_client()
    assert_error_envelope(client.get(TOKENS), 401)


# CSRF ----------------------------------------------------------------------------


def refused(response) -> bool:
    """Flask-WTF refuses a missing or foreign token with a 400, on the API and the pages."""
    return response.status_code == 400


def test_api_unsafe_requests_without_csrf_are_refused(app, login_as, buyer):
    client = login_as(buyer)
    token = client.post(TOKENS, json={"name": "keep"}).json

    response = client.post(TOKENS, json={"name": "no csrf"}, csrf=False)
    assert_error_envelope(response, 400)
    assert response.json["message"] == "The CSRF token is missing."
    assert active_tokens(buyer.id) == 1

    assert refused(client.patch(ME, json={"name": "Changed"}, csrf=False))
    assert db.session.get(User, buyer.id).name == buyer.name

    assert refused(client.delete(f"{TOKENS}/{token['id']}", csrf=False))
    assert app.test_client().get(ME, headers=bearer(token["token"])).status_code == 200

    body = {"current_password": PASSWORD, "new_password": "csrf would change this"}
    assert refused(client.post("/api/v1/auth/password", json=body, csrf=False))

    assert refused(client.post("/api/v1/auth/logout", csrf=False))
    assert client.get(ME).status_code == 200

    # A token from another browser's session is no better than none.
    stranger_token = app.test_client().get("/api/v1/auth/csrf").json["csrf_token"]
    response = client.post(TOKENS, json={"name": "x"}, headers={"X-CSRFToken": stranger_token})
    assert refused(response)
    assert response.json["message"] == "The CSRF tokens do not match."
    assert active_tokens(buyer.id) == 1
    assert client.login(buyer.email).status_code == 200  # the password did not change


def test_api_register_and_login_without_csrf_are_refused(app, make_api, buyer):
    client = make_api()
    users_before = count_users()
    assert refused(client.post(REGISTER, json=buyer_payload(), csrf=False))
    assert count_users() == users_before
    body = {"email": buyer.email, "password": PASSWORD}
    assert refused(client.post("/api/v1/auth/login", json=body, csrf=False))
    assert client.get(ME).status_code == 401


def page_csrf_token(client) -> str:
    return client.get("/api/v1/auth/csrf").json["csrf_token"]


def test_page_forms_without_csrf_are_refused(app, buyer):
    browser = app.test_client()
    browser.get("/login")
    response = browser.post("/login", data={"email": buyer.email, "password": PASSWORD})
    assert refused(response)
    assert browser.get(ME).status_code == 401

    users_before = count_users()
    form = {**buyer_payload(), "csrf_token": ""}
    assert refused(browser.post("/register", data=form))
    assert count_users() == users_before

    # Now logged in (with a token): logout and language still need it.
    token = page_csrf_token(browser)
    login = browser.post(
        "/login", data={"email": buyer.email, "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 302
    assert browser.get(ME).status_code == 200

    assert refused(browser.post("/logout"))
    assert browser.get(ME).status_code == 200

    response = browser.post("/language", data={"language": "zh"})
    assert refused(response)
    assert "mp_lang=" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert db.session.get(User, buyer.id).locale in (None, "en")

    # With the token the same forms work.
    token = page_csrf_token(browser)
    response = browser.post("/language", data={"language": "zh", "csrf_token": token})
    assert response.status_code == 302
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert browser.get(ME).status_code == 401


def test_bearer_is_exempt_only_with_a_valid_token(app, buyer):
    client = app.test_client()
    response = client.post(TOKENS, json={"name": "x"}, headers=bearer("nkp_" + "x" * 43))
    assert_error_envelope(response, 401)

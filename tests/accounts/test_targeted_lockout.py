"""Targeted lockout: guessing someone's password from elsewhere must not lock them out.

Hard limits are per (account, address) and per address; failures against one account from
many addresses only slow down sign-ins from addresses the account has not signed in from,
by seconds, and a password reset always works.
"""

from __future__ import annotations

import pytest

from tests.accounts.conftest import (
    LOGIN,
    ME,
    PASSWORD_RESET,
    PASSWORD_RESET_CONFIRM,
    assert_error_envelope,
    commit,
    emails_to,
    reset_token_in,
)
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory

WRONG = "definitely not the password"
NEW_PASSWORD = "a fresh slipper passphrase"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.77"


@pytest.fixture
def owner():
    user = BuyerFactory()
    commit()
    return user


@pytest.fixture
def slow_down(app, monkeypatch):
    """One attempt a minute from unfamiliar addresses while slowed down (the default is
    one per 10 seconds): two requests in a row then meet in one window however slow the
    machine is.  The Retry-After of the slow-down is this minute at most."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_RATE_PER_ACCOUNT", "1 per minute")
    return 61


def guess_from_many_addresses(make_api, email) -> list[int]:
    """120 wrong passwords from 30 addresses (4 each): past both thresholds."""
    return [
        login_from(make_api, email, WRONG, ip=f"203.0.113.{n + 100}").status_code
        for n in range(30)
        for _ in range(4)
    ]


def attempt(make_api, email, password=PASSWORD, *, ip):
    client = make_api()
    body = {"email": email, "password": password}
    response = client.post(LOGIN, json=body, environ_base={"REMOTE_ADDR": ip})
    return response, client


def login_from(make_api, email, password=PASSWORD, *, ip):
    return attempt(make_api, email, password, ip=ip)[0]


def reset_password_from(make_api, email, *, ip) -> None:
    """The whole reset, as the owner does it: request, the e-mail's link, a new password."""
    client = make_api()
    response = client.post(PASSWORD_RESET, json={"email": email}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 202
    token = reset_token_in(emails_to(email)[-1])
    body = {"token": token, "new_password": NEW_PASSWORD}
    confirm = client.post(PASSWORD_RESET_CONFIRM, json=body, environ_base={"REMOTE_ADDR": ip})
    assert confirm.status_code == 204, confirm.json


def test_guesses_from_one_address_do_not_lock_the_owner_out_from_theirs(make_api, owner):
    for _ in range(10):
        assert login_from(make_api, owner.email, WRONG, ip=ATTACKER).status_code == 401

    response, client = attempt(make_api, owner.email, ip=OWNER)
    assert response.status_code == 200, response.json
    assert client.get(ME).json["id"] == owner.id


def test_the_guessing_address_is_hard_limited(make_api, owner):
    for _ in range(10):
        assert login_from(make_api, owner.email, WRONG, ip=ATTACKER).status_code == 401
    # Even the right password, from there: a 429 for the whole window, not seconds.
    refused = login_from(make_api, owner.email, ip=ATTACKER)
    assert_error_envelope(refused, 429)
    assert 10 < int(refused.headers["Retry-After"]) <= 5 * 60 + 1
    # The attack goes on at its pace; the owner keeps signing in from home.
    assert login_from(make_api, owner.email, ip=OWNER).status_code == 200
    assert login_from(make_api, owner.email, WRONG, ip=ATTACKER).status_code == 429
    assert login_from(make_api, owner.email, ip=OWNER).status_code == 200


def test_guesses_from_many_addresses_slow_down_only_unfamiliar_ones(make_api, owner, slow_down):
    assert login_from(make_api, owner.email, ip=OWNER).status_code == 200  # home, known
    statuses = guess_from_many_addresses(make_api, owner.email)
    # Ten guesses are checked; then one in a while, the rest wait (seconds, not minutes).
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {401, 429}
    assert statuses.count(401) < 20

    assert login_from(make_api, owner.email, WRONG, ip="192.0.2.200").status_code == 429
    slowed = login_from(make_api, owner.email, WRONG, ip="192.0.2.201")
    assert_error_envelope(slowed, 429)
    assert 0 < int(slowed.headers["Retry-After"]) <= slow_down
    assert "reset your password" in slowed.json["message"]

    # The owner signs in from home, where they signed in before, at once.
    response, client = attempt(make_api, owner.email, ip=OWNER)
    assert response.status_code == 200, response.json
    assert client.get(ME).json["id"] == owner.id


def test_the_owner_on_a_new_address_resets_the_password_and_signs_in(make_api, owner, slow_down):
    guess_from_many_addresses(make_api, owner.email)
    laptop = "192.0.2.250"
    assert login_from(make_api, owner.email, ip=laptop).status_code == 429  # slowed

    reset_password_from(make_api, owner.email, ip=laptop)

    response, client = attempt(make_api, owner.email, NEW_PASSWORD, ip=laptop)
    assert response.status_code == 200, response.json
    assert client.get(ME).json["id"] == owner.id


def test_reset_lifts_the_accounts_hard_limit_at_the_owners_address(
    app, make_api, owner, monkeypatch
):
    # The owner forgot the password: ten failures from their own address.  (The address's
    # own limit, across accounts, is raised here: it is not what a reset lifts.)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "100 per 5 minutes")
    for _ in range(10):
        assert login_from(make_api, owner.email, WRONG, ip=OWNER).status_code == 401
    assert login_from(make_api, owner.email, ip=OWNER).status_code == 429

    reset_password_from(make_api, owner.email, ip=OWNER)  # works while limited

    assert login_from(make_api, owner.email, NEW_PASSWORD, ip=OWNER).status_code == 200
    assert login_from(make_api, owner.email, PASSWORD, ip="192.0.2.9").status_code == 401


def test_the_login_page_lets_the_owner_in_too(make_api, client, owner):
    for _ in range(10):
        assert login_from(make_api, owner.email, WRONG, ip=ATTACKER).status_code == 401
    token = client.get("/api/v1/auth/csrf").json["csrf_token"]
    response = client.post(
        "/login",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": OWNER},
    )
    assert response.status_code == 302
    assert client.get(ME).json["id"] == owner.id

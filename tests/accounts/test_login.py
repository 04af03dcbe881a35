"""Login: one answer for every bad credential, and throttling per (account, IP) (every
attempt) and per IP (failed and malformed attempts only).  Failures against one account
from every address only slow it down (tests/accounts/test_targeted_lockout.py)."""

from __future__ import annotations

import pytest

from marketplace.accounts import passwords
from marketplace.accounts.models import UserStatus
from tests.accounts.conftest import LOGIN, ME, assert_error_envelope, commit, without_request_id
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory, SupplierOwnerFactory

WRONG = "definitely not the password"


@pytest.fixture
def quick_hashing(monkeypatch):
    """Cheap argon2 for the throttling tests, which make dozens of attempts.

    They test counting, not hashing (test_passwords.py asserts the real parameters);
    returns the hash of PASSWORD to give the users they create.
    """
    return passwords.hash_password(PASSWORD)  # TestingConfig's argon2 cost is already low


def attempt(make_api, email, password=PASSWORD, ip="192.0.2.1", **extra):
    client = make_api()
    body = {"email": email, "password": password, **extra}
    return client.post(LOGIN, json=body, environ_base={"REMOTE_ADDR": ip})


def test_login_returns_the_user_and_a_working_session(api):
    owner = SupplierOwnerFactory()
    commit()
    response = api.login(owner.email)
    assert response.status_code == 200
    assert response.json["id"] == owner.id
    assert response.json["email"] == owner.email
    assert response.json["role"] == "supplier"
    assert response.json["supplier_id"] == owner.supplier_id
    assert response.json["company_role"] == "owner"
    assert "password_hash" not in response.json
    assert response.headers["X-CSRFToken"]
    assert api.get(ME).json["id"] == owner.id


def test_email_is_case_insensitive_and_trimmed(make_api):
    BuyerFactory(email="mixed.case@importer.example")
    commit()
    for spelling in ("Mixed.Case@Importer.EXAMPLE", "  mixed.case@importer.example "):
        assert make_api().login(spelling).status_code == 200


def test_unknown_email_and_wrong_password_look_the_same(make_api):
    buyer = BuyerFactory()
    commit()
    wrong_password = make_api().login(buyer.email, WRONG)
    unknown_email = make_api().login("nobody-here@importer.example", WRONG)
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert without_request_id(wrong_password.json) == without_request_id(unknown_email.json)
    assert "WWW-Authenticate" not in wrong_password.headers
    assert set(wrong_password.headers.keys()) == set(unknown_email.headers.keys())
    assert_error_envelope(wrong_password, 401)


def test_failed_login_sets_no_session(api):
    buyer = BuyerFactory()
    commit()
    assert api.login(buyer.email, WRONG).status_code == 401
    assert api.get(ME).status_code == 401


def test_suspended_user_cannot_log_in(make_api):
    buyer = BuyerFactory(status=UserStatus.SUSPENDED)
    commit()
    response = make_api().login(buyer.email)
    assert response.status_code == 401
    client = make_api()
    client.login(buyer.email)
    assert client.get(ME).status_code == 401


def test_the_11th_attempt_is_refused_even_with_the_right_password(make_api, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(10):
        assert attempt(make_api, buyer.email, WRONG).status_code == 401
    response = attempt(make_api, buyer.email)
    assert_error_envelope(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert int(response.headers["Retry-After"]) <= 5 * 60 + 1


def test_successful_attempts_count_too(make_api, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(10):
        assert attempt(make_api, buyer.email, ip="203.0.113.60").status_code == 200
    assert attempt(make_api, buyer.email, ip="203.0.113.60").status_code == 429


def test_account_limit_holds_across_email_case(make_api, quick_hashing):
    BuyerFactory(password_hash=quick_hashing, email="buyer@x.com")
    commit()
    for index in range(10):
        spelling = "Buyer@X.com" if index % 2 else "buyer@x.com"
        assert attempt(make_api, spelling, WRONG, ip="203.0.113.61").status_code == 401
    response = attempt(make_api, " BUYER@X.COM", ip="203.0.113.61")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    # Another account is not affected, from another address.
    other = BuyerFactory(password_hash=quick_hashing)
    commit()
    assert attempt(make_api, other.email, ip="203.0.113.62").status_code == 200


def test_ip_limit_holds_across_accounts(make_api, quick_hashing):
    victims = [BuyerFactory(password_hash=quick_hashing) for _ in range(11)]
    commit()
    for victim in victims[:10]:
        assert attempt(make_api, victim.email, WRONG, ip="203.0.113.9").status_code == 401
    response = attempt(make_api, victims[10].email, ip="203.0.113.9")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert attempt(make_api, victims[10].email, ip="203.0.113.10").status_code == 200


def test_fifty_buyers_behind_one_address_all_sign_in(make_api, quick_hashing):
    """Only failures count per IP: an office behind one NAT address is not locked out."""
    buyers = [BuyerFactory(password_hash=quick_hashing) for _ in range(50)]
    commit()
    statuses = [attempt(make_api, buyer.email, ip="203.0.113.50").status_code for buyer in buyers]
    assert statuses == [200] * 50


def test_eleven_failures_from_one_address_are_refused(make_api, quick_hashing):
    buyers = [BuyerFactory(password_hash=quick_hashing) for _ in range(12)]
    commit()
    for buyer in buyers[:5]:  # successes in between do not reset or use up anything
        assert attempt(make_api, buyer.email, ip="203.0.113.51").status_code == 200
    statuses = [
        attempt(make_api, buyer.email, WRONG, ip="203.0.113.51").status_code
        for buyer in buyers[:11]
    ]
    assert statuses == [401] * 10 + [429]
    refused = attempt(make_api, buyers[11].email, ip="203.0.113.51")
    assert_error_envelope(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0


def test_unknown_emails_count_against_the_ip(make_api, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for index in range(10):
        email = f"guess{index}@importer.example"
        assert attempt(make_api, email, WRONG, ip="203.0.113.20").status_code == 401
    assert attempt(make_api, buyer.email, ip="203.0.113.20").status_code == 429


@pytest.mark.parametrize(
    ("malformed", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["a", "list"]}, 422),
        ({"json": {"email": 12345, "password": WRONG}}, 422),
        ({"json": {"password": WRONG}}, 422),
        ({"json": {"email": "x@y.example", "password": WRONG, "role": "admin"}}, 422),
    ],
    ids=["invalid-json", "list", "email-not-string", "no-email", "unknown-field"],
)
def test_malformed_attempts_count_against_the_ip(make_api, malformed, status, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    client = make_api()
    token = client.refresh_csrf()
    for _ in range(10):
        response = client.client.post(
            LOGIN,
            headers={"X-CSRFToken": token},
            environ_base={"REMOTE_ADDR": "203.0.113.30"},
            **malformed,
        )
        assert response.status_code == status
    assert attempt(make_api, buyer.email, ip="203.0.113.30").status_code == 429
    assert attempt(make_api, buyer.email, ip="203.0.113.31").status_code == 200


def test_malformed_attempts_count_against_the_account(make_api, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(10):
        response = make_api().post(
            LOGIN, json={"email": buyer.email}, environ_base={"REMOTE_ADDR": "203.0.113.63"}
        )
        assert response.status_code == 422
    assert attempt(make_api, buyer.email, ip="203.0.113.63").status_code == 429


@pytest.fixture
def slow_down(app, monkeypatch):
    """A minute's allowance while slowed down (default: 10 seconds), so that two requests
    in a row meet in one window however slow the machine is."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_RATE_PER_ACCOUNT", "1 per minute")


def test_malformed_attempts_slow_the_account_down(make_api, ip_address, quick_hashing, slow_down):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(10):
        response = make_api().post(
            LOGIN, json={"email": buyer.email}, environ_base={"REMOTE_ADDR": ip_address()}
        )
        assert response.status_code == 422
    # Slowed down: one attempt from unfamiliar addresses now and then, not a lock.
    assert attempt(make_api, buyer.email, ip=ip_address()).status_code == 200
    slowed = attempt(make_api, buyer.email, ip=ip_address())
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) <= 61


def test_slow_down_threshold_is_configurable(
    app, make_api, ip_address, monkeypatch, quick_hashing, slow_down
):
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT", "3 per hour")
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(3):
        assert attempt(make_api, buyer.email, WRONG, ip=ip_address()).status_code == 401
    assert attempt(make_api, buyer.email, WRONG, ip=ip_address()).status_code == 401
    response = attempt(make_api, buyer.email, ip=ip_address())
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 61


def test_slow_down_counts_failures_only(app, make_api, ip_address, monkeypatch, quick_hashing):
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT", "3 per hour")
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(5):
        assert attempt(make_api, buyer.email, ip=ip_address()).status_code == 200
    assert attempt(make_api, buyer.email, WRONG, ip=ip_address()).status_code == 401
    assert attempt(make_api, buyer.email, WRONG, ip=ip_address()).status_code == 401


def test_default_login_limits(app):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT_IP"] == "10 per 5 minutes"
    assert app.config["LOGIN_LIMIT_PER_IP"] == "10 per 5 minutes"
    assert app.config["LOGIN_SLOWDOWN_FAILURES_PER_ACCOUNT"] == "10 per 5 minutes;100 per hour"
    assert app.config["LOGIN_SLOWDOWN_RATE_PER_ACCOUNT"] == "1 per 10 seconds"
    assert app.config["LOGIN_FAMILIAR_ADDRESS_DAYS"] == 30


def test_login_page_and_api_share_the_limit(make_api, client, quick_hashing):
    buyer = BuyerFactory(password_hash=quick_hashing)
    commit()
    for _ in range(10):
        assert attempt(make_api, buyer.email, WRONG, ip="203.0.113.40").status_code == 401
    token = client.get("/api/v1/auth/csrf").json["csrf_token"]
    response = client.post(
        "/login",
        data={"email": buyer.email, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "203.0.113.40"},
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get(ME).status_code == 401

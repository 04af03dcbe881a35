"""Password policy (10 to 128 characters, no common passwords, no truncation) and argon2id."""

from __future__ import annotations

import re

import pytest

from tests.accounts.conftest import (
    LOGIN,
    REGISTER,
    buyer_payload,
    commit,
    count_users,
    user_by_email,
)
from tests.conftest import PASSWORD
from tests.factories import BuyerFactory


def register(api, password: str):
    return api.post(REGISTER, json=buyer_payload(password=password))


@pytest.mark.parametrize("length", [9, 129, 1000])
def test_password_outside_10_to_128_characters_is_refused(api, length):
    before = count_users()
    response = register(api, "s" * (length - 4) + "lip!")
    assert response.status_code == 422
    assert "password" in response.json["errors"]
    assert count_users() == before


@pytest.mark.parametrize("length", [10, 128])
def test_password_of_10_and_128_characters_is_accepted(api, length):
    payload = buyer_payload(password="s" * (length - 4) + "lip!")
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 201, response.json
    assert user_by_email(payload["email"]) is not None


def test_length_counts_characters_not_bytes(api):
    # 10 CJK characters are 30 bytes of UTF-8 but one valid 10-character password.
    payload = buyer_payload(password="拖鞋工厂内坑晋江福建省")
    assert api.post(REGISTER, json=payload).status_code == 201
    fresh = api.client.application.test_client()
    response = fresh.post(
        LOGIN,
        json={"email": payload["email"], "password": payload["password"]},
        headers={"X-CSRFToken": fresh.get("/api/v1/auth/csrf").json["csrf_token"]},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "password", ["1234567890", "qwertyuiop", "QWERTYUIOP", "password123", "1q2w3e4r5t"]
)
def test_common_password_is_refused(api, password):
    before = count_users()
    response = register(api, password)
    assert response.status_code == 422
    assert "common" in " ".join(response.json["errors"]["password"]).lower()
    assert count_users() == before


def test_password_equal_to_email_is_refused(api):
    payload = buyer_payload(email="slipperbuyer@importer.example")
    payload["password"] = payload["email"]
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert "password" in response.json["errors"]


def test_no_composition_rules(api):
    # Lower-case letters and spaces only: long enough and not common, so accepted.
    assert register(api, "flip flops on the beach").status_code == 201


def test_long_password_is_not_truncated(api, make_api):
    password = "".join(chr(ord("a") + i % 26) for i in range(127)) + "Z"
    assert len(password) == 128
    payload = buyer_payload(password=password)
    assert api.post(REGISTER, json=payload).status_code == 201

    almost = password[:-1] + "Y"
    assert make_api().login(payload["email"], almost).status_code == 401
    # bcrypt would truncate at 72 bytes; a change after byte 72 must still matter.
    assert make_api().login(payload["email"], password[:100]).status_code == 401
    assert make_api().login(payload["email"], password).status_code == 200


def test_password_is_stored_as_argon2id_with_the_expected_parameters(api, production_hashing):
    payload = buyer_payload()
    assert api.post(REGISTER, json=payload).status_code == 201
    stored = user_by_email(payload["email"]).password_hash
    assert payload["password"] not in stored
    assert re.fullmatch(
        r"\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", stored
    ), stored


def test_changed_password_is_argon2id_too(login_as, make_api, production_hashing):
    buyer = BuyerFactory()
    commit()
    client = login_as(buyer)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "new slipper password 2026"},
    )
    assert response.status_code == 204
    stored = user_by_email(buyer.email).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert make_api().login(buyer.email, "new slipper password 2026").status_code == 200
    assert make_api().login(buyer.email, PASSWORD).status_code == 401


@pytest.mark.parametrize("new_password", ["short", "1234567890", "x" * 129])
def test_password_change_applies_the_same_policy(login_as, make_api, new_password):
    buyer = BuyerFactory()
    commit()
    client = login_as(buyer)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 422
    assert "new_password" in response.json["errors"]
    assert make_api().login(buyer.email, PASSWORD).status_code == 200


def test_password_change_needs_the_current_password(login_as, make_api):
    buyer = BuyerFactory()
    commit()
    client = login_as(buyer)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not my password at all", "new_password": "fresh slipper pw"},
    )
    assert response.status_code == 422
    assert "current_password" in response.json["errors"]
    assert make_api().login(buyer.email, PASSWORD).status_code == 200


@pytest.fixture
def production_hashing(app, monkeypatch):
    """The suite hashes cheaply (TestingConfig); these tests check the real policy."""
    from config import Config

    for key in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        monkeypatch.setitem(app.config, key, getattr(Config, key))

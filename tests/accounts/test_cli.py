"""``flask --app wsgi create-admin EMAIL``: the only way an administrator is made."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.accounts.passwords import verify_password
from tests.accounts.conftest import commit, count_users, user_by_email
from tests.factories import BuyerFactory

ADMIN_PASSWORD = "platform admin slippers 2026"


@pytest.fixture
def runner(app, monkeypatch):
    monkeypatch.delenv("MARKETPLACE_ADMIN_PASSWORD", raising=False)
    return app.test_cli_runner()


def test_create_admin_with_the_password_from_the_environment(runner, monkeypatch, make_api):
    monkeypatch.setenv("MARKETPLACE_ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = runner.invoke(args=["create-admin", "Ops@Platform.example"])
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output

    admin = user_by_email("ops@platform.example")
    assert admin is not None
    assert admin.role == Role.ADMIN
    assert admin.supplier_id is None
    assert admin.password_hash.startswith("$argon2id$")
    assert verify_password(admin.password_hash, ADMIN_PASSWORD)

    client = make_api()
    response = client.login("ops@platform.example", ADMIN_PASSWORD)
    assert response.status_code == 200
    assert response.json["role"] == "admin"


def test_create_admin_with_the_password_from_the_prompt(runner):
    result = runner.invoke(
        args=["create-admin", "prompted@platform.example", "--name", "Li Na"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output  # hidden input is not echoed
    admin = user_by_email("prompted@platform.example")
    assert admin.role == Role.ADMIN
    assert admin.name == "Li Na"
    assert verify_password(admin.password_hash, ADMIN_PASSWORD)


def test_prompt_confirmation_mismatch_creates_nothing(runner):
    before = count_users()
    result = runner.invoke(
        args=["create-admin", "typo@platform.example"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}x\n",
    )
    assert result.exit_code != 0
    assert count_users() == before
    assert user_by_email("typo@platform.example") is None


@pytest.mark.parametrize("password", ["short", "1234567890", "qwertyuiop", "p" * 129])
def test_weak_password_from_the_environment_fails_and_creates_nothing(
    runner, monkeypatch, password
):
    monkeypatch.setenv("MARKETPLACE_ADMIN_PASSWORD", password)
    before = count_users()
    result = runner.invoke(args=["create-admin", "weak@platform.example"])
    assert result.exit_code != 0
    assert "password" in result.output.lower()
    assert count_users() == before
    assert user_by_email("weak@platform.example") is None


def test_weak_password_from_the_prompt_fails_and_creates_nothing(runner):
    before = count_users()
    result = runner.invoke(
        args=["create-admin", "weak2@platform.example"], input="1234567890\n1234567890\n"
    )
    assert result.exit_code != 0
    assert count_users() == before


def test_existing_email_in_any_case_fails_and_changes_nothing(runner, monkeypatch):
    buyer = BuyerFactory(email="taken@importer.example")
    commit()
    monkeypatch.setenv("MARKETPLACE_ADMIN_PASSWORD", ADMIN_PASSWORD)
    before = count_users()
    result = runner.invoke(args=["create-admin", "TAKEN@Importer.example"])
    assert result.exit_code != 0
    assert count_users() == before
    assert user_by_email("taken@importer.example").role == Role.BUYER
    assert user_by_email("taken@importer.example").password_hash == buyer.password_hash


@pytest.mark.parametrize("email", ["not-an-email", "admin@", "a\x00b@platform.example", ""])
def test_invalid_email_fails_and_creates_nothing(runner, monkeypatch, email):
    monkeypatch.setenv("MARKETPLACE_ADMIN_PASSWORD", ADMIN_PASSWORD)
    before = count_users()
    result = runner.invoke(args=["create-admin", email])
    assert result.exit_code != 0
    assert count_users() == before


def test_admin_cannot_be_created_through_the_api(api):
    from tests.accounts.conftest import REGISTER, buyer_payload

    before = count_users()
    response = api.post(REGISTER, json=buyer_payload(role="admin"))
    assert response.status_code == 422
    assert count_users() == before

"""Registration: buyers, suppliers with their company, unique e-mails, no mass assignment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier
from tests.accounts.conftest import (
    ME,
    REGISTER,
    buyer_payload,
    commit,
    count_users,
    supplier_payload,
    user_by_email,
)
from tests.factories import SupplierFactory


def count_suppliers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Supplier))


def test_buyer_registration_returns_the_user_without_secrets(api):
    payload = buyer_payload(company_name="Manila Footwear Trading")
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["email"] == payload["email"]
    assert body["name"] == "Maria Santos"
    assert body["role"] == "buyer"
    assert body["country"] == "PH"
    assert body["company_name"] == "Manila Footwear Trading"
    assert body["supplier_id"] is None
    assert body["company_role"] is None
    assert "password" not in body and "password_hash" not in body
    user = user_by_email(payload["email"])
    assert user.role == Role.BUYER and user.supplier_id is None


def test_buyer_company_name_and_country_are_optional(api):
    payload = buyer_payload()
    del payload["country"]
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 201, response.json
    assert response.json["company_name"] is None
    assert response.json["country"] is None


def test_supplier_registration_creates_the_company_with_the_user_as_owner(api, make_api):
    payload = supplier_payload()
    suppliers_before = count_suppliers()
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["role"] == "supplier"
    assert body["company_role"] == "owner"
    assert body["supplier_id"] is not None

    assert count_suppliers() == suppliers_before + 1
    supplier = db.session.get(Supplier, body["supplier_id"])
    assert supplier.name == payload["company_name"]
    assert supplier.country == "CN"
    user = user_by_email(payload["email"])
    assert user.supplier_id == supplier.id
    assert user.company_role == CompanyRole.OWNER

    client = make_api()
    assert client.login(payload["email"], payload["password"]).status_code == 200
    me = client.get(ME).json
    assert me["supplier_id"] == supplier.id and me["company_role"] == "owner"


@pytest.mark.parametrize("company_name", [None, "", "   "])
def test_supplier_needs_a_company_name(api, company_name):
    payload = supplier_payload(company_name=company_name)
    users_before, suppliers_before = count_users(), count_suppliers()
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert "company_name" in response.json["errors"]
    assert (count_users(), count_suppliers()) == (users_before, suppliers_before)


def test_supplier_without_company_name_field_is_refused_naming_it(api):
    payload = supplier_payload()
    del payload["company_name"]
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["company_name"]


@pytest.mark.parametrize(
    "second_email",
    ["Buyer.Case@Importer.example", "BUYER.CASE@IMPORTER.EXAMPLE", " buyer.case@importer.example "],
)
def test_duplicate_email_in_another_case_is_409_and_one_row(api, second_email):
    assert (
        api.post(REGISTER, json=buyer_payload(email="buyer.case@importer.example")).status_code
        == 201
    )
    users_before = count_users()
    response = api.post(REGISTER, json=supplier_payload(email=second_email))
    assert response.status_code == 409
    assert count_users() == users_before
    rows = db.session.scalars(
        sa.select(User).where(sa.func.lower(User.email) == "buyer.case@importer.example")
    ).all()
    assert len(rows) == 1 and rows[0].role == Role.BUYER


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "active"),
        ("supplier_id", 1),
        ("is_verified", True),
        ("id", 1),
        ("company_role", "owner"),
        ("is_admin", True),
        ("password_hash", "$argon2id$v=19$m=65536,t=3,p=4$abc$def"),
    ],
)
def test_mass_assignment_is_422_and_writes_nothing(api, field, value):
    SupplierFactory()  # so that supplier_id 1 could exist

    commit()
    users_before, suppliers_before = count_users(), count_suppliers()
    payload = buyer_payload(**{field: value})
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert (count_users(), count_suppliers()) == (users_before, suppliers_before)
    assert user_by_email(payload["email"]) is None


@pytest.mark.parametrize("role", ["admin", "ADMIN", "moderator", ""])
def test_role_admin_or_unknown_is_422_and_writes_nothing(api, role):
    users_before = count_users()
    payload = buyer_payload(role=role)
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert "role" in response.json["errors"]
    assert count_users() == users_before
    assert user_by_email(payload["email"]) is None


@pytest.mark.parametrize(
    "country", ["XX", "USA", "U", "12", "Philippines", "", 840, "EU", "UN", "ZZ", "QO"]
)
def test_invalid_country_is_422(api, country):
    users_before = count_users()
    response = api.post(REGISTER, json=buyer_payload(country=country))
    assert response.status_code == 422
    assert "country" in response.json["errors"]
    assert count_users() == users_before


def test_country_is_normalised_to_upper_case(api):
    response = api.post(REGISTER, json=buyer_payload(country="vn"))
    assert response.status_code == 201
    assert response.json["country"] == "VN"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a" * 250 + "@x.example"),
        ("name", ""),
        ("name", "n" * 121),
        ("company_name", "c" * 201),
        ("email", None),
        ("password", None),
    ],
)
def test_invalid_fields_are_422_naming_the_field(api, field, value):
    users_before = count_users()
    response = api.post(REGISTER, json=buyer_payload(**{field: value}))
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert count_users() == users_before


@pytest.mark.parametrize("missing", ["email", "password", "name", "role"])
def test_required_fields(api, missing):
    payload = buyer_payload()
    del payload[missing]
    response = api.post(REGISTER, json=payload)
    assert response.status_code == 422
    assert missing in response.json["errors"]

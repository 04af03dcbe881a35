"""Fixtures for inquiry tests: a supplier company with an owner and a staff member, two
buyers, an admin, a published product, and a helper to send inquiries through the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry, InquiryMessage
from marketplace.notifications.models import Notification, OutboxEmail
from tests.catalog.support import make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)

INQUIRIES = "/api/v1/inquiries"


@pytest.fixture
def supplier():
    return SupplierFactory(name="Jinjiang Happy Feet Shoes Co., Ltd.")


@pytest.fixture
def owner(supplier):
    return SupplierOwnerFactory(supplier=supplier, name="Owner Chen")


@pytest.fixture
def staff(supplier):
    return SupplierStaffFactory(supplier=supplier, name="Staff Lin")


@pytest.fixture
def other_staff():
    """A member of another company."""
    return SupplierStaffFactory()


@pytest.fixture
def buyer():
    return BuyerFactory(name="Maria Santos", company_name="Manila Home Goods", country="PH")


@pytest.fixture
def other_buyer():
    return BuyerFactory(name="Thabo Nkosi", company_name="Joburg Retail", country="ZA")


@pytest.fixture
def admin():
    return AdminFactory()


@pytest.fixture
def product(supplier):
    return make_product(supplier, ProductStatus.PUBLISHED, sku="EVA-INQ-1", currency="EUR")


@pytest.fixture
def team(owner, staff):
    """Both members of the supplier (fixtures are created on demand)."""
    return owner, staff


def inquiry_body(**overrides) -> dict:
    body = {
        "quantity": 5000,
        "destination_country": "PH",
        "message": "Women's EVA slides, sizes 36-41, 3 colours. Best FOB Xiamen price?",
    }
    body.update(overrides)
    return body


def send_inquiry(client, supplier_id=None, **overrides) -> dict:
    """POST /inquiries through ``client``; asserts 201 and returns the body."""
    body = inquiry_body(**overrides)
    if supplier_id is not None:
        body["supplier_id"] = supplier_id
    response = client.post(INQUIRIES, json=body)
    assert response.status_code == 201, response.json
    return response.json


def rows() -> dict[str, int]:
    """Row counts a refused write must leave unchanged."""
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Inquiry, InquiryMessage, Notification, OutboxEmail)
    }


def inquiry_row(inquiry_id: int) -> Inquiry:
    db.session.expire_all()
    return db.session.get(Inquiry, inquiry_id)


# Dedicated apps with real commits (concurrency).
from tests.reliability.conftest import make_app  # noqa: E402, F401 - a fixture

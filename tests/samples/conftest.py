"""Fixtures for sample request tests: a supplier (owner and staff), another company's
member, two buyers, an admin, a published product and helpers that make requests and move
them through the services."""

from __future__ import annotations

import pytest

from marketplace.catalog.models import ProductStatus
from tests.catalog.support import make_product
from tests.factories import (
    AdminFactory,
    BuyerFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
)

# Dedicated apps with real commits (concurrency).
from tests.reliability.conftest import make_app  # noqa: F401 - a fixture


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
    return make_product(supplier, ProductStatus.PUBLISHED, sku="EVA-SMP-1")

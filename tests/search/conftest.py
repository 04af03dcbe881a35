"""A small fixed catalog for the search tests, built through the catalog services (so the
index is kept in sync the way the application keeps it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from marketplace import transaction
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationStatus,
)
from tests.catalog.support import make_product
from tests.conftest import module_session
from tests.factories import SupplierFactory


def tiers(*pairs):
    return [{"min_qty": q, "unit_price": p} for q, p in pairs]


def eu(start, end):
    return {"system": "EU", "from": start, "to": end}


@dataclass
class Catalog:
    """The catalog by id: its suppliers and products are loaded from the current test's
    session on each access, so one catalog can serve every test of a module (see
    ``module_catalog``) and a test's changes to them roll back with the test."""

    supplier_ids: dict[str, int]  # "verified", "ocean", "harbor", "shadow"
    product_ids: dict[str, int]

    def _supplier(self, key: str) -> Supplier:
        return db.session.get_one(Supplier, self.supplier_ids[key])

    @property
    def verified(self) -> Supplier:  # "Sunrise Footwear": verified, response rate 0.2, BSCI
        return self._supplier("verified")

    @property
    def ocean(self) -> Supplier:  # "Ocean Shoes": unverified, 0.5
        return self._supplier("ocean")

    @property
    def harbor(self) -> Supplier:  # "Harbor Sandals": unverified, 0.95
        return self._supplier("harbor")

    @property
    def shadow(self) -> Supplier:  # "Shadow Traders": suspended after publishing
        return self._supplier("shadow")

    @property
    def products(self) -> dict[str, Product]:
        return {k: db.session.get_one(Product, i) for k, i in self.product_ids.items()}

    def ids(self, *keys: str) -> set[int]:
        return {self.product_ids[k] for k in keys}

    def id(self, key: str) -> int:
        return self.product_ids[key]

    @property
    def visible(self) -> set[int]:
        return self.ids(*VISIBLE)

    @property
    def hidden(self) -> set[int]:
        return {i for k, i in self.product_ids.items() if k not in VISIBLE}


VISIBLE = ("A", "B", "C", "D", "T1", "T2", "T3")


@pytest.fixture
def catalog(db_session) -> Catalog:
    return build_catalog()


@pytest.fixture(scope="module")
def module_catalog(app, module_connection) -> Catalog:
    """One catalog for a module whose tests all use it: a module overrides ``catalog`` with
    this one (each test then runs in a savepoint of the module's transaction)."""
    with module_session(app, module_connection):
        return build_catalog()


def build_catalog() -> Catalog:
    verified = SupplierFactory(
        name="Sunrise Footwear",
        verification_status=VerificationStatus.VERIFIED,
        response_rate=Decimal("0.200"),
        certifications=[Certification(name="BSCI")],
    )
    ocean = SupplierFactory(name="Ocean Shoes", response_rate=Decimal("0.500"))
    harbor = SupplierFactory(name="Harbor Sandals", response_rate=Decimal("0.950"))
    shadow = SupplierFactory(name="Shadow Traders")
    published = ProductStatus.PUBLISHED
    p = {}
    p["A"] = make_product(
        ocean,
        published,
        sku="A",
        name="EVA slide sandals",
        description="Lightweight one-piece slide for the beach.",
        category="slides",
        materials=["EVA"],
        colors=["black", "white"],
        sizes=eu(36, 41),
        moq=500,
        price_tiers=tiers((500, "1.50"), (2000, "1.20")),
        lead_time_days=20,
        customization=["logo"],
    )
    p["B"] = make_product(
        verified,
        published,
        sku="B",
        name="Plush winter slippers",
        description="Warm indoor slippers with an EVA footbed.",
        category="plush-slippers",
        materials=["plush", "TPR"],
        colors=["grey"],
        sizes=[36, 38, 40],
        moq=1000,
        price_tiers=tiers((1000, "2.00"), (5000, "1.80")),
        lead_time_days=45,
        customization=["color"],
    )
    p["C"] = make_product(
        verified,
        published,
        sku="C",
        name="PVC bathroom slippers",
        description="Anti-slip drainage sole.",
        category="bathroom-slippers",
        materials=["PVC"],
        colors=["blue"],
        sizes=eu(38, 45),
        moq=3000,
        price_tiers=tiers((3000, "0.90"), (10000, "0.80")),
        lead_time_days=30,
        customization=["logo", "packaging"],
    )
    p["D"] = make_product(
        ocean,
        published,
        sku="D",
        name="夏季人字拖 rubber flip-flops",
        description="Natural rubber thong sandals.",
        category="flip-flops",
        materials=["rubber"],
        colors=["red"],
        sizes=eu(35, 44),
        moq=2000,
        price_tiers=tiers((2000, "0.70")),
        lead_time_days=15,
        customization=[],
    )
    twin = {
        "name": "Cloud massage slippers",
        "description": "Massage dots.",
        "category": "eva-slippers",
        "materials": ["EVA"],
        "colors": ["pink"],
        "sizes": eu(36, 40),
        "moq": 1000,
        "price_tiers": tiers((1000, "1.00")),
        "lead_time_days": 25,
        "customization": [],
    }
    p["T1"] = make_product(verified, published, sku="T1", **twin)
    p["T2"] = make_product(ocean, published, sku="T2", **twin)
    p["T3"] = make_product(harbor, published, sku="T3", **twin)
    # Hidden: every state but published, and a published product of a suspended supplier.
    hidden = {
        "name": "Zebra EVA slide",
        "description": "Zebra slide.",
        "category": "slides",
        "materials": ["EVA"],
        "sizes": eu(36, 41),
        "moq": 500,
        "price_tiers": tiers((500, "0.10")),
        "lead_time_days": 5,
        "customization": ["logo"],
    }
    for status in (
        ProductStatus.DRAFT,
        ProductStatus.PENDING_REVIEW,
        ProductStatus.REJECTED,
        ProductStatus.ARCHIVED,
        ProductStatus.SUSPENDED,
    ):
        p[status.value] = make_product(verified, status, sku=f"H-{status.value}", **hidden)
    p["shadow"] = make_product(shadow, published, sku="H-shadow", **hidden)
    shadow.status = SupplierStatus.SUSPENDED
    transaction.commit()
    suppliers = {"verified": verified, "ocean": ocean, "harbor": harbor, "shadow": shadow}
    return Catalog(
        {key: supplier.id for key, supplier in suppliers.items()},
        {key: product.id for key, product in p.items()},
    )

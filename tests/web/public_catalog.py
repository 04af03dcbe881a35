"""A small fixed catalog for the public page tests, built through the catalog services
(so the search index is kept in sync the way the application keeps it), and helpers
that read what a page lists."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace import transaction
from marketplace.catalog import images, services
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

PRODUCT_LINK = re.compile(r'<h3 class="product-name"><a href="/products/(\d+)">')
SUPPLIER_LINK = re.compile(r'<h3 class="supplier-name"><a href="/suppliers/(\d+)">')
NEXT_LINK = re.compile(r'<a class="button" rel="next" href="([^"]+)"')
XSS_NAME = "Kids <script>alert('x')</script> clogs & \"more\""


def tiers(*pairs):
    return [{"min_qty": q, "unit_price": p} for q, p in pairs]


def eu(start, end):
    return {"system": "EU", "from": start, "to": end}


@dataclass
class Shop:
    """The shop by id: its suppliers and products are loaded from the current test's
    session on each access, so one shop serves every test of a module (``module_shop``)
    and a test's changes to them roll back with the test."""

    supplier_ids: dict[str, int]  # "sunrise", "ocean", "shadow"
    product_ids: dict[str, int]

    @property
    def sunrise(self) -> Supplier:  # verified, BSCI (valid), ISO 9001 (expired), 87.5 %
        return db.session.get_one(Supplier, self.supplier_ids["sunrise"])

    @property
    def ocean(self) -> Supplier:  # unverified, no response rate yet
        return db.session.get_one(Supplier, self.supplier_ids["ocean"])

    @property
    def shadow(self) -> Supplier:  # suspended after publishing
        return db.session.get_one(Supplier, self.supplier_ids["shadow"])

    @property
    def products(self) -> dict[str, Product]:
        return {k: db.session.get_one(Product, i) for k, i in self.product_ids.items()}

    def id(self, key: str) -> int:
        return self.product_ids[key]

    def ids(self, *keys: str) -> set[int]:
        return {self.product_ids[k] for k in keys}

    @property
    def visible(self) -> set[int]:
        return self.ids(*VISIBLE)

    @property
    def hidden(self) -> dict[str, Product]:
        return {k: p for k, p in self.products.items() if k not in VISIBLE}


def module_shop(app, connection) -> Shop:
    """``build_shop`` once for a module whose tests all read it (each test then runs in a
    savepoint of the module's transaction, see tests/conftest.py)."""
    with module_session(app, connection):
        return build_shop()


VISIBLE = ("A", "B", "C", "D", "X")
HIDDEN_STATES = (
    ProductStatus.DRAFT,
    ProductStatus.PENDING_REVIEW,
    ProductStatus.REJECTED,
    ProductStatus.ARCHIVED,
    ProductStatus.SUSPENDED,
)


def photo(color=(200, 30, 30)) -> FileStorage:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    out.seek(0)
    return FileStorage(out, filename="photo.png")


def build_shop() -> Shop:
    sunrise = SupplierFactory(
        name="Sunrise Footwear",
        city="Neikeng, Jinjiang",
        province="Fujian",
        year_established=2006,
        employees=240,
        monthly_capacity_pairs=600_000,
        main_markets=["US", "PH", "ZA"],
        verification_status=VerificationStatus.VERIFIED,
        response_rate=Decimal("0.875"),
        median_response_hours=Decimal("5.50"),
        certifications=[
            Certification(name="BSCI", issued_by="amfori", valid_until=date(2099, 6, 30)),
            Certification(name="ISO 9001", valid_until=date(2020, 1, 31)),
        ],
    )
    ocean = SupplierFactory(name="Ocean Shoes", main_markets=["VN"], response_rate=None)
    shadow = SupplierFactory(name="Shadow Traders", main_markets=["DE"])
    published = ProductStatus.PUBLISHED
    p = {}
    p["A"] = make_product(
        ocean,
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
        sunrise,
        sku="B",
        name="Plush winter slippers",
        description="Warm indoor slippers with an EVA footbed.",
        category="plush-slippers",
        materials=["plush", "TPR"],
        colors=["grey"],
        sizes=[36, 38, 40],
        moq=1000,
        price_tiers=tiers((1000, "2.00"), (5000, "1.80"), (20000, "1.65")),
        lead_time_days=45,
        sample_available=True,
        sample_price="4.50",
        sample_lead_time_days=7,
        customization=["color", "mold"],
        pairs_per_carton=40,
        carton_dimensions_cm={"length": 62, "width": 42, "height": 38.5},
        carton_weight_kg="11.2",
        port_of_loading="Xiamen",
        incoterms=["FOB", "CIF"],
        hs_code="6404.19",
        monthly_capacity_pairs=120_000,
    )
    p["C"] = make_product(
        sunrise,
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
        sample_available=False,
        sample_price=None,
        customization=[],
    )
    p["X"] = make_product(
        ocean,
        published,
        sku="X",
        name=XSS_NAME,
        description="<img src=x> lined <b>winter</b> clogs",
        category="clogs",
        materials=["EVA", "plush"],
        colors=["<i>pink</i>"],
        sizes=eu(26, 36),
        moq=800,
        price_tiers=tiers((800, "2.40")),
        lead_time_days=25,
        customization=[],
    )
    # Photos go on drafts: a new photo sends a published product back to review.
    images.add_image(p["B"], photo((30, 90, 160)))
    images.add_image(p["B"], photo((160, 90, 30)))
    images.add_image(p["A"], photo())
    for key in ("A", "B"):
        services.submit_product(p[key])
        services.approve_product(p[key])
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
    for status in HIDDEN_STATES:
        p[status.value] = make_product(sunrise, status, sku=f"H-{status.value}", **hidden)
    p["shadow"] = make_product(shadow, published, sku="H-shadow", **hidden)
    shadow.status = SupplierStatus.SUSPENDED
    transaction.commit()
    suppliers = {"sunrise": sunrise, "ocean": ocean, "shadow": shadow}
    return Shop(
        {key: supplier.id for key, supplier in suppliers.items()},
        {key: product.id for key, product in p.items()},
    )


def listed_products(html: str) -> list[int]:
    return [int(i) for i in PRODUCT_LINK.findall(html)]


def listed_suppliers(html: str) -> list[int]:
    return [int(i) for i in SUPPLIER_LINK.findall(html)]


def next_link(html: str) -> str | None:
    match = NEXT_LINK.search(html)
    return match.group(1).replace("&amp;", "&") if match else None


def walk(browser, path: str, lister=listed_products) -> list[int]:
    """Every page of a list, following its "next page" links."""
    seen: list[int] = []
    for _ in range(50):
        response = browser.get(path)
        assert response.status_code == 200, response.text
        seen += lister(response.text)
        path = next_link(response.text)
        if path is None:
            return seen
    raise AssertionError("paging never ended")

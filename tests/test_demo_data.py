"""The demo data behind ``make run`` (``flask --app wsgi seed-demo``).

The database tests seed every company with its first two products (its two main
categories; 50 products covering all ten categories) to stay fast; the full ~400-product
plan is checked against the product schema and the price rules without the database.
The full seed runs through the real CLI (``make run``), timed by hand on both databases.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace import transaction
from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.catalog.models import (
    Category,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
)
from marketplace.catalog.rules import check_price_tiers
from marketplace.catalog.schemas import ProductInputSchema, ProductSchema
from marketplace.demo import DEMO_PASSWORD, load_demo_data, seed_demo
from marketplace.demo.loader import demo_data
from marketplace.demo.products import plan_products
from marketplace.extensions import db
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)
from tests.conftest import module_session

PER_SUPPLIER = 2
CATEGORIES = {
    "eva-slippers",
    "pvc-slippers",
    "flip-flops",
    "slides",
    "hotel-slippers",
    "plush-slippers",
    "bathroom-slippers",
    "beach-sandals",
    "kids-slippers",
    "clogs",
}
INPUT_FIELDS = set(ProductInputSchema().fields)
SUPPLIERS = demo_data().companies.suppliers
BUYERS = demo_data().companies.buyers


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def snapshot() -> dict:
    """Everything the demo writes, in a comparable form."""
    return {
        "counts": {
            m.__tablename__: count(m)
            for m in (
                User,
                Supplier,
                Certification,
                VerificationRequest,
                Product,
                PriceTier,
                ProductImage,
            )
        },
        "products": sorted(
            db.session.execute(
                sa.select(Product.supplier_id, Product.sku, Product.status, Product.updated_at)
            ).all()
        ),
        "users": sorted(db.session.execute(sa.select(User.email, User.updated_at)).all()),
    }


# The moderation demo adds its own review-queue products (SKUs "..-MOD-9..").
CATALOG_PLAN = Product.sku.not_like("%-MOD-%")


def image_path(name: str) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "products", name)


def test_full_plan_obeys_the_product_schema_and_price_rules(app):
    """All ~400 planned products, without the database: valid input, sensible values."""
    seed = app.config["DEMO_DATA_SEED"]
    schema = ProductInputSchema()
    plans = []
    for spec in SUPPLIERS:
        supplier_plans = plan_products(spec, random.Random(f"{seed}:{spec.key}:products"))
        assert len(supplier_plans) == spec.products
        assert len({p["payload"]["sku"] for p in supplier_plans}) == spec.products
        assert {p["payload"]["category"] for p in supplier_plans} == set(spec.categories)
        plans.extend(supplier_plans)
    assert 380 <= len(plans) <= 420
    assert {p["payload"]["category"] for p in plans} == CATEGORIES
    states = Counter(p["state"] for p in plans)
    assert set(states) == {s.value for s in ProductStatus}
    assert states["published"] > len(plans) / 2
    for plan in plans:
        data = schema.load(plan["payload"])  # raises on any invalid field
        assert check_price_tiers(data["moq"], data["price_tiers"]) == []
        assert 500 <= data["moq"] <= 10_000
        assert 2 <= len(data["price_tiers"]) <= 5
        assert 1 <= plan["images"] <= 3
        assert data["currency"] in {"USD", "CNY", "EUR"}
        assert data["port_of_loading"] in {"Xiamen", "Quanzhou", "Fuzhou", "Shenzhen"}
        assert "FOB" in data["incoterms"]
        sizes = data["sizes"]
        low, high = (
            (sizes["from"], sizes["to"]) if isinstance(sizes, dict) else (sizes[0], sizes[-1])
        )
        if data["category"] == "kids-slippers":
            assert 24 <= low <= high <= 35
        else:
            assert 36 <= low <= high <= 46
        hs = data["hs_code"]
        if data["category"] in {"hotel-slippers", "plush-slippers"}:
            assert hs == "6404.19"
        elif data["category"] == "flip-flops":
            assert hs == "6402.20"
        if plan["state"] == "rejected":
            assert plan["reason"]
        if data["currency"] == "USD":
            price = data["price_tiers"][0]["unit_price"]
            low_usd, high_usd = {
                "hotel-slippers": ("0.12", "0.45"),
                "flip-flops": ("0.45", "1.50"),
                "plush-slippers": ("1.8", "4.5"),
                "slides": ("1.2", "3.5"),
            }.get(data["category"], ("0.5", "4.5"))
            assert Decimal(low_usd) <= price <= Decimal(high_usd), plan["payload"]["sku"]


def test_plan_is_deterministic_per_seed():
    spec = SUPPLIERS[0]
    first = plan_products(spec, random.Random("590:HD:products"))
    again = plan_products(spec, random.Random("590:HD:products"))
    other = plan_products(spec, random.Random("591:HD:products"))
    assert first == again
    assert first != other


def test_more_products_are_added_to_an_existing_company(app):
    load_demo_data(supplier_limit=1, products_per_supplier=2)
    summary = seed_demo(supplier_limit=1, products_per_supplier=4)
    db.session.expire_all()
    assert count(Supplier) == 1 and count(Product, CATALOG_PLAN) == 4
    assert "0 created, 1 already there" in summary
    assert DEMO_PASSWORD in summary


def test_missing_picture_files_are_rewritten(app):
    load_demo_data(supplier_limit=1, products_per_supplier=1)
    image = db.session.scalars(sa.select(ProductImage)).first()
    os.unlink(image_path(image.filename))
    before = snapshot()
    report = load_demo_data(supplier_limit=1, products_per_supplier=1)
    assert report.files_written == 1
    assert os.path.getsize(image_path(image.filename)) == image.size_bytes
    assert snapshot() == before


# --- one seed for the module: the tests below only read it (each runs in a savepoint of
# the module's transaction, rolled back after it).  They come last: a test above writes
# on its own connection, which the module's open transaction would block.


@pytest.fixture(scope="module")
def seeded(app, module_connection):
    with module_session(app, module_connection):
        report = load_demo_data(products_per_supplier=PER_SUPPLIER)
        transaction.commit()
    return report


def test_seed_creates_the_companies_accounts_and_verification_states(seeded):
    assert seeded.suppliers_created == len(SUPPLIERS) == count(Supplier)
    assert 20 <= len(SUPPLIERS) <= 30
    suppliers = db.session.scalars(sa.select(Supplier)).all()
    for supplier in suppliers:
        members = supplier.members
        owners = [m for m in members if m.company_role == CompanyRole.OWNER]
        assert len(owners) == 1
        assert 0 <= len(members) - 1 <= 3
        assert all(m.role == Role.SUPPLIER and m.email.endswith(".example") for m in members)
        assert supplier.country == "CN" and supplier.province == "Fujian"
        assert 1985 <= supplier.year_established <= 2018
        assert 100_000 <= supplier.monthly_capacity_pairs <= 2_000_000
        assert set(supplier.main_markets) <= {
            "US", "VN", "PH", "IN", "ZA", "DE", "GB", "FR", "NL", "AE", "SA",
        }  # fmt: skip
        assert any(place in supplier.city for place in ("Neikeng", "Jinjiang", "Quanzhou"))
    # no administrator in the demo data
    assert db.session.scalar(sa.select(sa.func.count()).where(User.role == Role.ADMIN)) == 0
    buyers = db.session.scalars(sa.select(User).where(User.role == Role.BUYER)).all()
    assert {b.email for b in buyers} == {buyer.email for buyer in BUYERS}
    assert {"US", "VN", "PH", "IN", "ZA", "DE", "AE"} <= {b.country for b in buyers}
    assert all(b.company_name for b in buyers)

    by_verification = Counter(s.verification_status for s in suppliers)
    assert by_verification[VerificationStatus.VERIFIED] >= 10
    assert by_verification[VerificationStatus.PENDING] >= 2
    pending = db.session.scalars(
        sa.select(VerificationRequest).where(
            VerificationRequest.status == VerificationStatus.PENDING
        )
    ).all()
    assert {r.supplier.verification_status for r in pending} == {VerificationStatus.PENDING}
    assert len(pending) == by_verification[VerificationStatus.PENDING]
    suspended = [s for s in suppliers if s.status == SupplierStatus.SUSPENDED]
    assert len(suspended) == 1 and suspended[0].suspended_reason

    certificates = db.session.scalars(sa.select(Certification)).all()
    assert {c.name for c in certificates} == {
        "BSCI", "ISO 9001", "Sedex/SMETA", "ISO 14001", "WRAP",
    }  # fmt: skip
    today = date.today()
    assert any(c.valid_until < today for c in certificates)
    assert sum(c.valid_until >= today for c in certificates) > len(certificates) / 2


def test_seeded_products_cover_every_category_and_pass_the_api_schema(app, seeded, client):
    products = db.session.scalars(sa.select(Product).where(CATALOG_PLAN)).all()
    assert len(products) == len(SUPPLIERS) * PER_SUPPLIER == sum(seeded.products_created.values())
    assert {p.category.slug for p in products} == CATEGORIES
    assert set(db.session.scalars(sa.select(Category.slug))) >= CATEGORIES
    states = Counter(p.status for p in products)
    assert states[ProductStatus.PUBLISHED] > len(products) / 2
    assert len(states) >= 3
    schema = ProductSchema()
    with app.test_request_context():
        for product in products:
            dumped = schema.dump(product)
            # what the API returns is again valid input, as an export/import round trip needs
            ProductInputSchema().load({k: v for k, v in dumped.items() if k in INPUT_FIELDS})
            assert dumped["size_chart"], product.sku
            assert 1 <= len(dumped["images"]) <= 3
            if product.status == ProductStatus.REJECTED:
                assert product.rejection_reason
    for image in db.session.scalars(sa.select(ProductImage)):
        assert os.path.getsize(image_path(image.filename)) == image.size_bytes
        assert os.path.isfile(image_path(image.thumbnail_filename))
    # the pictures are served like uploads, and the public sees published products only
    published = next(
        p for p in products if p.status == ProductStatus.PUBLISHED and p.supplier.is_active
    )
    response = client.get(f"/media/products/{published.images[0].filename}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    response.close()
    assert client.get(f"/api/v1/products/{published.id}").status_code == 200
    draft = next(p for p in products if p.status != ProductStatus.PUBLISHED)
    assert client.get(f"/api/v1/products/{draft.id}").status_code == 404


def test_demo_accounts_log_in_with_the_demo_password(seeded, api):
    response = api.login(SUPPLIERS[0].owner_email, DEMO_PASSWORD)
    assert response.status_code == 200, response.json
    assert api.get("/api/v1/auth/me").json["company_role"] == "owner"


def test_second_run_creates_nothing(seeded):
    before = snapshot()
    files = sorted(os.listdir(os.path.dirname(image_path("x"))))
    again = load_demo_data(products_per_supplier=PER_SUPPLIER)
    db.session.expire_all()
    assert again.suppliers_created == 0 and again.accounts_created == 0
    assert sum(again.products_created.values()) == 0 and again.images_created == 0
    assert again.products_existing == len(SUPPLIERS) * PER_SUPPLIER
    assert snapshot() == before
    assert sorted(os.listdir(os.path.dirname(image_path("x")))) == files

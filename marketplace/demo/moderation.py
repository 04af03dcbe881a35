"""Demo moderation data: products in the review queue that the automatic checks flag,
and reports from the demo buyers.  Run after the companies, catalog and buyers exist
(``load_moderation_demo()``; it flushes, the caller commits).

Like the rest of the demo it goes through the schemas and services (the flags come
from the real checks at submission; reports are refused for what a buyer cannot see)
and is idempotent: products are found by (supplier, SKU), reports by (reporter, target).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import reports
from marketplace.moderation.models import Report, ReportStatus, ReportTargetType
from marketplace.suppliers.models import Supplier

# Products submitted for review, meant to trip the checks: (supplier key, SKU, overrides).
QUEUE: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "HD",
        "HD-MOD-901",
        {
            "name": "Unisex EVA clogs, Crocs-compatible charm holes",
            "description": "Classic clog shape with 13 holes for shoe charms; heel strap.",
            "category": "clogs",
        },
    ),
    (
        "XY",
        "XY-MOD-902",
        {
            "name": "Hotel slippers with orange piping, Hermès style box",
            "description": "Closed-toe terry slippers in an orange gift box.",
            "category": "hotel-slippers",
            "materials": ["terry cloth"],
            "moq": 5000,
            "price_tiers": [{"min_qty": 5000, "unit_price": "0.38"}],
        },
    ),
    (
        "LF",
        "LF-MOD-903",
        {
            "name": "Men's PVC slides, UGG look fur strap",
            "description": "One-piece PVC sole with a faux fur strap.",
            "category": "slides",
            "materials": ["PVC", "faux fur"],
        },
    ),
    (
        "HD",
        "HD-MOD-904",
        {
            "name": "Women's EVA bathroom slippers, premium gift edition",
            "description": "Soft EVA with drainage holes; sold in a printed gift box.",
            "category": "eva-slippers",
            # Twenty times a typical EVA slipper: the price check flags it.
            "moq": 500,
            "price_tiers": [{"min_qty": 500, "unit_price": "24.00"}],
        },
    ),
    (
        "BL",
        "BL-MOD-905",
        {
            "name": "Kids' EVA slippers, cartoon print",
            "description": "Light EVA slippers for kids with a printed cartoon strap.",
            "category": "kids-slippers",
            "sizes": {"system": "EU", "from": 24, "to": 35},
        },
    ),
)

# (buyer e-mail, what: "product" of / "supplier" with this key, reason)
REPORTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "maria.santos@manila-home.example",
        "product",
        "LF",
        "The strap logo in the photos looks like a well-known sports brand.",
    ),
    (
        "thabo@joburg-retail.example",
        "supplier",
        "BL",
        "The factory asked for full payment by personal bank transfer before sending samples.",
    ),
    (
        "emily@sunbelt-imports.example",
        "product",
        "HD",
        "The listed MOQ and price differ from what the supplier quoted me by e-mail.",
    ),
)

BASE_PRODUCT: dict[str, Any] = {
    "materials": ["EVA"],
    "sizes": {"system": "EU", "from": 36, "to": 45},
    "colors": ["black", "white"],
    "moq": 1000,
    "currency": "USD",
    "price_tiers": [{"min_qty": 1000, "unit_price": "1.25"}],
    "lead_time_days": 30,
    "incoterms": ["FOB"],
    "port_of_loading": "Xiamen",
}


def _supplier(key: str) -> Supplier | None:
    from marketplace.demo.companies import SUPPLIERS

    spec = next((s for s in SUPPLIERS if s.key == key), None)
    owner = accounts.get_user_by_email(spec.owner_email) if spec else None
    return owner.supplier if owner is not None else None


def _queue_products(made: Counter) -> None:
    schema = ProductInputSchema()
    for key, sku, overrides in QUEUE:
        supplier = _supplier(key)
        if supplier is None or not supplier.is_active:
            continue
        if db.session.scalar(
            sa.select(Product.id).where(Product.supplier_id == supplier.id, Product.sku == sku)
        ):
            continue
        product = catalog.create_product(
            supplier, schema.load({**BASE_PRODUCT, "sku": sku, **overrides})
        )
        catalog.submit_product(product)  # runs the automatic checks
        made["pending products"] += 1
    # A near duplicate: a second listing of a supplier's first published product.
    supplier = _supplier("HD")
    if supplier is None:
        return
    original = db.session.scalar(
        sa.select(Product)
        .where(Product.supplier_id == supplier.id, Product.status == ProductStatus.PUBLISHED)
        .order_by(Product.id)
    )
    sku = "HD-MOD-906"
    if original is None or db.session.scalar(
        sa.select(Product.id).where(Product.supplier_id == supplier.id, Product.sku == sku)
    ):
        return
    copy = catalog.create_product(
        supplier,
        schema.load(
            {
                **BASE_PRODUCT,
                "sku": sku,
                "name": original.name.replace(",", "") + "!",
                "category": original.category.slug,
                "materials": [m.name for m in original.materials],
            }
        ),
    )
    catalog.submit_product(copy)
    made["pending products"] += 1


def _reports(made: Counter) -> None:
    for email, kind, key, reason in REPORTS:
        buyer = accounts.get_user_by_email(email)
        supplier = _supplier(key)
        if buyer is None or supplier is None:
            continue
        if kind == "supplier":
            target_type, target_id = ReportTargetType.SUPPLIER, supplier.id
        else:
            target_type = ReportTargetType.PRODUCT
            target_id = db.session.scalar(
                sa.select(Product.id)
                .where(
                    Product.supplier_id == supplier.id,
                    Product.status == ProductStatus.PUBLISHED,
                )
                .order_by(Product.id)
            )
            if target_id is None:
                continue
        exists = db.session.scalar(
            sa.select(Report.id).where(
                Report.reporter_id == buyer.id,
                Report.target_type == target_type,
                Report.target_id == target_id,
                Report.status == ReportStatus.OPEN,
            )
        )
        if exists:
            continue
        try:
            reports.create_report(
                buyer, target_type=target_type, target_id=target_id, reason=reason
            )
        except DomainError:
            continue  # not visible to this buyer (e.g. the company was suspended since)
        made["reports"] += 1


def load_moderation_demo() -> Counter:
    """Add the demo's review queue and reports; returns what was created."""
    made: Counter = Counter()
    _queue_products(made)
    _reports(made)
    db.session.flush()
    return made

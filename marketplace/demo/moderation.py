"""Demo moderation data: products in the review queue that the automatic checks flag,
and reports from the demo buyers.  Run after the companies, catalog and buyers exist
(``load_moderation_demo()``; it flushes, the caller commits).

The cases are in ``data/moderation.toml``.  Like the rest of the demo it goes through
the schemas and services (the flags come from the real checks at submission; reports are
refused for what a buyer cannot see) and is idempotent: products are found by (supplier,
SKU), reports by (reporter, target).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.demo.loader import demo_data
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import reports
from marketplace.moderation.models import Report, ReportStatus, ReportTargetType
from marketplace.suppliers.models import Supplier


def _supplier(key: str) -> Supplier | None:
    spec = demo_data().supplier(key)
    owner = accounts.get_user_by_email(spec.owner_email) if spec else None
    return owner.supplier if owner is not None else None


def _queue_products(made: Counter) -> None:
    cases = demo_data().moderation
    schema = ProductInputSchema()
    for queued in cases.review_queue:
        sku = queued.sku
        supplier = _supplier(queued.supplier)
        if supplier is None or not supplier.is_active:
            continue
        if db.session.scalar(
            sa.select(Product.id).where(Product.supplier_id == supplier.id, Product.sku == sku)
        ):
            continue
        product = catalog.create_product(
            supplier, schema.load({**cases.base_product, "sku": sku, **queued.product})
        )
        catalog.submit_product(product)  # runs the automatic checks
        made["pending products"] += 1
    # A near duplicate: a second listing of a supplier's first published product.
    supplier = _supplier(cases.near_duplicate.supplier)
    if supplier is None:
        return
    original = db.session.scalar(
        sa.select(Product)
        .where(Product.supplier_id == supplier.id, Product.status == ProductStatus.PUBLISHED)
        .order_by(Product.id)
    )
    sku = cases.near_duplicate.sku
    if original is None or db.session.scalar(
        sa.select(Product.id).where(Product.supplier_id == supplier.id, Product.sku == sku)
    ):
        return
    copy = catalog.create_product(
        supplier,
        schema.load(
            {
                **cases.base_product,
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
    for case in demo_data().moderation.reports:
        buyer = accounts.get_user_by_email(case.reporter)
        supplier = _supplier(case.supplier)
        if buyer is None or supplier is None:
            continue
        if case.target == "supplier":
            target_type, target_id = ReportTargetType.SUPPLIER, supplier.id
        else:
            target_type = ReportTargetType.PRODUCT
            product_id = db.session.scalar(
                sa.select(Product.id)
                .where(
                    Product.supplier_id == supplier.id,
                    Product.status == ProductStatus.PUBLISHED,
                )
                .order_by(Product.id)
            )
            if product_id is None:
                continue
            target_id = product_id
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
                buyer, target_type=target_type, target_id=target_id, reason=case.reason
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

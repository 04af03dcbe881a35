"""Set-up helpers for the RFQ tests: suppliers with a published catalog, RFQ and quotation
bodies, RFQs posted through the services, row counts."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from marketplace import transaction
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import VerificationStatus
from tests.catalog.support import make_product
from tests.factories import (  # noqa: F401 - the payloads are used by the RFQ tests
    QuotationFactory,
    RFQFactory,
    SupplierFactory,
    SupplierOwnerFactory,
    SupplierStaffFactory,
    iso,
    quote_payload,
    rfq_payload,
)


def count(model, *where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if where:
        query = query.where(*where)
    return db.session.scalar(query)


def supplier_with_catalog(
    name: str,
    *,
    category: str = "eva-slippers",
    materials: list[str] | None = None,
    moq: int = 1000,
    tiers: list[tuple[int, str]] | None = None,
    currency: str = "USD",
    capacity: int | None = 300_000,
    verified: bool = False,
    response_rate: str | None = None,
    staff: int = 0,
    **product_overrides,
):
    """An active supplier with its owner (and ``staff`` staff) and one published product;
    returns (supplier, owner)."""
    supplier = SupplierFactory(
        name=name,
        verification_status=(
            VerificationStatus.VERIFIED if verified else VerificationStatus.UNVERIFIED
        ),
        response_rate=Decimal(response_rate) if response_rate is not None else None,
        monthly_capacity_pairs=capacity,
    )
    owner = SupplierOwnerFactory(supplier=supplier)
    for _ in range(staff):
        SupplierStaffFactory(supplier=supplier)
    tiers = tiers or [(moq, "1.20"), (max(moq * 5, moq + 1), "1.00")]
    make_product(
        supplier,
        ProductStatus.PUBLISHED,
        sku=f"{name[:12].upper().replace(' ', '-')}-{category[:8].upper()}",
        category=category,
        materials=materials if materials is not None else ["EVA"],
        moq=moq,
        currency=currency,
        price_tiers=[{"min_qty": q, "unit_price": p} for q, p in tiers],
        monthly_capacity_pairs=capacity,
        **product_overrides,
    )
    transaction.commit()
    return supplier, owner


def post_rfq(buyer, **overrides):
    """An RFQ of ``buyer`` created (and matched) through the services, committed."""
    return RFQFactory(buyer=buyer, **overrides)


def quote(rfq, user, **overrides):
    """``user``'s company's quotation on ``rfq`` (or its revision), committed."""
    return QuotationFactory(rfq=rfq, author=user, **overrides)

"""Set-up helpers for the RFQ tests: suppliers with a published catalog, RFQ and quotation
bodies, RFQs posted through the services, row counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from marketplace import transaction
from marketplace.catalog.models import ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.rfqs import services
from marketplace.rfqs.schemas import QuotationInputSchema, RFQCreateSchema
from marketplace.suppliers.models import VerificationStatus
from tests.catalog.support import make_product
from tests.factories import SupplierFactory, SupplierOwnerFactory, SupplierStaffFactory


def count(model, *where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if where:
        query = query.where(*where)
    return db.session.scalar(query)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def rfq_payload(**overrides) -> dict[str, Any]:
    now = utcnow()
    payload = {
        "title": "EVA bathroom slippers for a hotel chain",
        "category": "eva-slippers",
        "materials": ["EVA"],
        "quantity": 20000,
        "target_unit_price": "1.10",
        "currency": "USD",
        "destination_country": "PH",
        "incoterm": "FOB",
        "needed_by": (now + timedelta(days=90)).date().isoformat(),
        "quote_deadline": iso(now + timedelta(days=10)),
        "description": "Anti-slip sole, custom logo on the strap.",
    }
    payload.update(overrides)
    return payload


def quote_payload(**overrides) -> dict[str, Any]:
    payload = {
        "unit_price": "1.05",
        "moq": 5000,
        "lead_time_days": 35,
        "valid_until": (utcnow() + timedelta(days=30)).date().isoformat(),
        "incoterm": "FOB",
        "notes": "Logo printed on the strap, 2 colours.",
    }
    payload.update(overrides)
    return payload


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
    data = RFQCreateSchema().load(rfq_payload(**overrides))
    rfq = services.create_rfq(buyer, data)
    transaction.commit()
    return rfq


def quote(rfq, user, **overrides):
    data = QuotationInputSchema().load(quote_payload(**overrides))
    quotation, _created = services.submit_quotation(rfq, user, data)
    transaction.commit()
    return quotation

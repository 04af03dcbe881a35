"""A supplier's figures (``GET /api/v1/suppliers/<id>/stats`` and its dashboard): its
products by state, the inquiries and RFQ quotations of the last 30 days and its response
metrics. Here because they count rows of the catalog, the inquiries and the RFQs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.inquiries.services import count_recent_inquiries
from marketplace.rfqs.services import count_recent_quotations
from marketplace.suppliers.models import Supplier


def supplier_stats(supplier: Supplier) -> dict[str, Any]:
    counts = dict(
        db.session.execute(
            sa.select(Product.status, sa.func.count())
            .where(Product.supplier_id == supplier.id)
            .group_by(Product.status)
        )
        .tuples()
        .all()
    )
    return {
        "products_by_status": {status.value: counts.get(status, 0) for status in ProductStatus},
        # Inquiries and RFQ quotations arrive with the sourcing domain.
        "inquiries_last_30_days": count_recent_inquiries(supplier.id, days=30),
        "rfq_quotes_last_30_days": count_recent_quotations(supplier.id, days=30),
        "response_rate": supplier.response_rate,
        "median_response_hours": supplier.median_response_hours,
    }

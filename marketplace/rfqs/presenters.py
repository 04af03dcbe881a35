"""What each audience sees of an RFQ or a quotation (dumped by ``schemas``).

The field lists are explicit: a supplier's view of an RFQ carries its own ``match`` and
``my_quotation``; nobody's view of an RFQ carries another supplier's quotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.rfqs import reasons
from marketplace.rfqs.models import RFQ, Quotation, RFQMatch


def buyer_summary(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "company_name": user.company_name,
        "country": user.country,
    }


def rfq_view(
    rfq: RFQ,
    *,
    match: RFQMatch | None = None,
    my_quotation: Quotation | None = None,
    now: datetime | None = None,
    for_supplier: bool = False,
) -> dict[str, Any]:
    """The RFQ as its buyer and admins see it; ``for_supplier``: as a supplier's members
    see it, without how many competitors quoted (only whether every place is taken)."""
    now = now or utcnow()
    return {
        "id": rfq.id,
        "buyer": buyer_summary(rfq.buyer),
        "title": rfq.title,
        "category": rfq.category.slug,
        "category_name": rfq.category.name,
        "materials": list(rfq.materials or []),
        "quantity": rfq.quantity,
        "target_unit_price": rfq.target_unit_price,
        "currency": rfq.currency,
        "destination_country": rfq.destination_country,
        "incoterm": rfq.incoterm,
        "needed_by": rfq.needed_by,
        "quote_deadline": rfq.quote_deadline,
        "description": rfq.description,
        "status": rfq.effective_status(now).value,
        "quotation_count": None if for_supplier else rfq.quotation_count,
        "quotations_full": rfq.quotation_count >= current_app.config["RFQ_MAX_QUOTATIONS"],
        "matched_supplier_count": rfq.matched_supplier_count,
        "created_at": rfq.created_at,
        "updated_at": rfq.updated_at,
        "awarded_at": rfq.awarded_at,
        "cancelled_at": rfq.cancelled_at,
        "match": (
            {
                "score": match.score,
                "reasons": reasons.for_api(match.reasons or []),
                "created_at": match.created_at,
            }
            if match is not None
            else None
        ),
        "my_quotation": (
            {
                "id": my_quotation.id,
                "status": my_quotation.status.value,
                "revision": my_quotation.revision,
            }
            if my_quotation is not None
            else None
        ),
    }


def quotation_view(quotation: Quotation, *, now: datetime | None = None) -> dict[str, Any]:
    rfq, supplier = quotation.rfq, quotation.supplier
    return {
        "id": quotation.id,
        "rfq_id": quotation.rfq_id,
        "rfq": {
            "id": rfq.id,
            "title": rfq.title,
            "quantity": rfq.quantity,
            "status": rfq.effective_status(now).value,
        },
        "supplier_id": quotation.supplier_id,
        "supplier": {
            "id": supplier.id,
            "name": supplier.name,
            "is_verified": supplier.is_verified,
            "response_rate": supplier.response_rate,
            "median_response_hours": supplier.median_response_hours,
        },
        "unit_price": quotation.unit_price,
        "currency": quotation.currency,
        "moq": quotation.moq,
        "lead_time_days": quotation.lead_time_days,
        "valid_until": quotation.valid_until,
        "incoterm": quotation.incoterm,
        "notes": quotation.notes,
        "status": quotation.status.value,
        "revision": quotation.revision,
        "created_at": quotation.created_at,
        "updated_at": quotation.updated_at,
        "decided_at": quotation.decided_at,
    }

"""The admins' headline figures: the queue, review times, suppliers, reports."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.models import Report, ReportStatus
from marketplace.moderation.services import products_query
from marketplace.suppliers.models import Supplier, SupplierStatus, VerificationStatus

REVIEW_ACTIONS = ("product.approve", "product.reject")
REVIEW_WINDOW_DAYS = 30


def median_review_hours(days: int = REVIEW_WINDOW_DAYS) -> float | None:
    """Median time from submission to the admin's decision, over the last ``days`` days."""
    since = utcnow() - timedelta(days=days)
    details = db.session.scalars(
        sa.select(AuditEntry.details).where(
            AuditEntry.action.in_(REVIEW_ACTIONS), AuditEntry.created_at >= since
        )
    )
    seconds = [
        d["review_seconds"]
        for d in details
        if isinstance(d, dict) and isinstance(d.get("review_seconds"), int)
    ]
    if not seconds:
        return None
    return round(statistics.median(seconds) / 3600, 1)


def headline_figures() -> dict[str, Any]:
    def count(query) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(query.subquery())
        ).scalar_one()

    by_status = Counter(
        dict(
            db.session.execute(
                sa.select(Supplier.status, sa.func.count()).group_by(Supplier.status)
            )
            .tuples()
            .all()
        )
    )
    by_verification = Counter(
        dict(
            db.session.execute(
                sa.select(Supplier.verification_status, sa.func.count()).group_by(
                    Supplier.verification_status
                )
            )
            .tuples()
            .all()
        )
    )
    return {
        "queue_length": count(products_query(status=ProductStatus.PENDING_REVIEW)),
        "flagged_in_queue": count(
            products_query(status=ProductStatus.PENDING_REVIEW, flagged=True)
        ),
        "median_review_hours_30_days": median_review_hours(),
        "suppliers_by_status": {s.value: by_status.get(s, 0) for s in SupplierStatus},
        "suppliers_by_verification": {
            s.value: by_verification.get(s, 0) for s in VerificationStatus
        },
        "open_reports": count(sa.select(Report).where(Report.status == ReportStatus.OPEN)),
    }


def queue_length() -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Product)
        .where(Product.status == ProductStatus.PENDING_REVIEW)
    ).scalar_one()

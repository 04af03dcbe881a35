"""Work that follows an RFQ or a response: the matched suppliers' notifications and the
response metrics, run after the commit (by a worker when one is configured)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import jobs
from marketplace.extensions import db
from marketplace.rfqs import metrics
from marketplace.suppliers.models import Supplier


@jobs.task("rfqs.notify_matches")
def notify_matches(rfq_id: int) -> int:
    """Tell the members of every supplier matched to the RFQ (once per supplier: a
    supplier already told is skipped, so running it twice notifies nobody twice)."""
    from marketplace.rfqs.services import notify_matched_suppliers

    return notify_matched_suppliers(rfq_id)


@jobs.task("rfqs.refresh_metrics")
def refresh_metrics(supplier_ids: list[int]) -> int:
    """Recompute these suppliers' response rate and median response time."""
    changed = 0
    for supplier in db.session.scalars(
        sa.select(Supplier).where(Supplier.id.in_(supplier_ids)).order_by(Supplier.id)
    ):
        changed += metrics.refresh_supplier_metrics(supplier)
    return changed


def queue_metrics_refresh(supplier: Supplier) -> None:
    """Recompute ``supplier``'s figures after the commit (``response_metrics_changed``)."""
    jobs.enqueue(refresh_metrics, [supplier.id])


@jobs.task("rfqs.refresh_all_metrics")
def refresh_all_metrics() -> int:
    """The hourly sliding-window pass over every supplier (celery beat)."""
    _seen, changed = metrics.refresh_all_metrics()
    return changed

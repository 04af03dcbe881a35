"""Scheduled order work: completing delivered orders nobody closed (celery beat)."""

from __future__ import annotations

from marketplace import jobs


@jobs.task("orders.auto_complete")
def auto_complete() -> int:
    """Complete the orders delivered ORDER_AUTO_COMPLETE_DAYS ago or more (hourly)."""
    from marketplace.orders.services import complete_due_orders

    return complete_due_orders()

"""Response metrics of a supplier: response rate and median first-response time.

What counts, over the last ``RESPONSE_RATE_DAYS`` (30) days:

- every inquiry addressed to the supplier (answered by its first message:
  ``Inquiry.first_response_at``), and
- every RFQ the supplier was matched to (answered by its first quotation:
  ``RFQMatch.first_response_at``).

``response_rate`` = items answered within ``RESPONSE_WINDOW_HOURS`` (24) / items that
have been answered or whose 24 hours are over.  An item still inside its first 24 hours
without an answer is not counted yet (a request that arrived an hour ago is no failure).
``median_response_hours`` = the median hours to the first answer of the answered items.
No item: both null ("no history yet").

The figures are stored on ``Supplier`` and recomputed by jobs after the change commits
(``marketplace.rfqs.tasks``): when an inquiry or a match is created or a first response
is given, and hourly by celery beat for the sliding window (items ageing past 24 hours or
out of the 30 days); ``flask --app wsgi sourcing refresh-metrics`` does the hourly pass
by hand.  Pages and search read the stored figures; nothing is computed per page view.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier

Item = tuple[datetime, datetime | None]  # (created_at, first_response_at)
MAX_MEDIAN_HOURS = Decimal("99999.99")  # Numeric(7, 2)


def _sources():
    """(model, supplier column) of every kind of request a supplier answers."""
    from marketplace.rfqs.models import RFQMatch

    sources = [RFQMatch]
    try:
        from marketplace.inquiries.models import Inquiry
    except ImportError:  # pragma: no cover - the inquiries domain is always installed
        return sources
    return [*sources, Inquiry]


def _window(now: datetime) -> tuple[datetime, timedelta]:
    config = current_app.config
    return (
        now - timedelta(days=config["RESPONSE_RATE_DAYS"]),
        timedelta(hours=config["RESPONSE_WINDOW_HOURS"]),
    )


def compute(items: Iterable[Item], *, now: datetime, window: timedelta):
    """(response_rate, median_response_hours) of ``items``, as stored (Decimal or None)."""
    counted = answered_in_time = 0
    hours = []
    for created_at, first_response_at in items:
        if first_response_at is not None:
            elapsed = first_response_at - created_at
            hours.append(max(0.0, elapsed.total_seconds() / 3600))
            counted += 1
            answered_in_time += elapsed <= window
        elif now - created_at >= window:
            counted += 1
    rate = Decimal(answered_in_time / counted).quantize(Decimal("0.001")) if counted else None
    median = (
        min(MAX_MEDIAN_HOURS, Decimal(statistics.median(hours)).quantize(Decimal("0.01")))
        if hours
        else None
    )
    return rate, median


def _store(supplier: Supplier, rate: Decimal | None, median: Decimal | None) -> bool:
    # Write only on a change: the search index follows response_rate on every flush.
    old_rate = None if supplier.response_rate is None else Decimal(supplier.response_rate)
    old_median = (
        None if supplier.median_response_hours is None else Decimal(supplier.median_response_hours)
    )
    if (old_rate, old_median) == (rate, median):
        return False
    supplier.response_rate = rate
    supplier.median_response_hours = median
    return True


def refresh_supplier_metrics(supplier: Supplier, *, now: datetime | None = None) -> bool:
    """Recompute one supplier's figures in the current transaction; True if they changed."""
    now = now or utcnow()
    since, window = _window(now)
    items: list[Item] = []
    for model in _sources():
        items.extend(
            db.session.execute(
                sa.select(model.created_at, model.first_response_at).where(
                    model.supplier_id == supplier.id, model.created_at >= since
                )
            )
            .tuples()
            .all()
        )
    return _store(supplier, *compute(items, now=now, window=window))


def refresh_all_metrics(*, now: datetime | None = None) -> tuple[int, int]:
    """The sliding-window pass over every supplier: (suppliers seen, figures changed)."""
    now = now or utcnow()
    since, window = _window(now)
    items: dict[int, list[Item]] = defaultdict(list)
    for model in _sources():
        rows = db.session.execute(
            sa.select(model.supplier_id, model.created_at, model.first_response_at).where(
                model.created_at >= since
            )
        )
        for supplier_id, created_at, first_response_at in rows:
            items[supplier_id].append((created_at, first_response_at))
    seen = changed = 0
    for supplier in db.session.scalars(sa.select(Supplier).order_by(Supplier.id)):
        seen += 1
        changed += _store(supplier, *compute(items.get(supplier.id, []), now=now, window=window))
    db.session.flush()
    return seen, changed

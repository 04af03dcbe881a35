"""Order numbers: ``NK-2026-000123``, unique and sequential within each year.

One counter row per year, advanced by ``UPDATE order_number_counters SET last = last + 1
WHERE year = :year RETURNING last``.  The UPDATE takes the row's lock until the
transaction ends (PostgreSQL makes a second creator wait and then read the new value;
SQLite's ``BEGIN IMMEDIATE`` serialises writers), so two orders created at once never
get the same number, and a rolled-back creation gives its number back.  The year's first
order inserts the row inside a savepoint; a creator that loses that race (a duplicate
primary key) takes the UPDATE path instead.  ``uq_orders_number`` backs it all up.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.orders.models import OrderNumberCounter

PREFIX = "NK"


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:06d}"


def _advance(year: int) -> int | None:
    return db.session.execute(
        sa.update(OrderNumberCounter)
        .where(OrderNumberCounter.year == year)
        .values(last=OrderNumberCounter.last + 1)
        .returning(OrderNumberCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def next_number(now: datetime | None = None) -> str:
    """The next order number of the current year (UTC), in the caller's transaction."""
    year = (now or utcnow()).year
    sequence = _advance(year)
    if sequence is None:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(OrderNumberCounter).values(year=year, last=1))
            sequence = 1
        except sa.exc.IntegrityError:
            # Another transaction made the year's row first: count on from it.
            sequence = _advance(year)
            if sequence is None:  # pragma: no cover - the row exists, it was just refused
                raise
    return format_number(year, sequence)

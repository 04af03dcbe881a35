"""Response metrics: inquiries and RFQ matches answered within 24 hours over the last 30
days, the median first-response time; kept up to date by responses and by the CLI."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry
from marketplace.rfqs.metrics import compute, refresh_all_metrics, refresh_supplier_metrics
from marketplace.rfqs.models import RFQMatch
from tests.factories import BuyerFactory, SupplierFactory
from tests.rfqs.support import post_rfq, quote, supplier_with_catalog

DAY = timedelta(hours=24)


def test_compute_counts_answered_and_overdue_items_only():
    now = utcnow()
    items = [
        (now - timedelta(hours=30), now - timedelta(hours=28)),  # answered in 2 h
        (now - timedelta(hours=60), now - timedelta(hours=10)),  # answered in 50 h: late
        (now - timedelta(hours=40), None),  # unanswered for 40 h: a miss
        (now - timedelta(hours=2), None),  # 2 h old: not counted yet
        (now - timedelta(hours=3), now - timedelta(hours=2)),  # answered in 1 h
    ]
    rate, median = compute(items, now=now, window=DAY)
    assert rate == Decimal("0.500")  # 2 in time of 4 counted
    assert median == Decimal("2.00")  # of 2, 50 and 1 hours
    assert compute([], now=now, window=DAY) == (None, None)
    assert compute([(now - timedelta(hours=1), None)], now=now, window=DAY) == (None, None)


def inquiry(supplier, buyer, *, age: timedelta, answered_after: timedelta | None = None):
    created = utcnow() - age
    row = Inquiry(
        buyer_id=buyer.id,
        supplier_id=supplier.id,
        quantity=5000,
        currency="USD",
        destination_country="US",
        message="Do you make EVA clogs?",
        created_at=created,
        updated_at=created,
        first_response_at=created + answered_after if answered_after else None,
    )
    db.session.add(row)
    return row


def test_inquiries_and_matches_both_count_within_the_window():
    supplier = SupplierFactory()
    buyer = BuyerFactory()
    inquiry(supplier, buyer, age=timedelta(days=3), answered_after=timedelta(hours=5))
    inquiry(supplier, buyer, age=timedelta(days=5))  # never answered
    inquiry(supplier, buyer, age=timedelta(days=40), answered_after=timedelta(hours=1))  # too old
    db.session.flush()

    assert refresh_supplier_metrics(supplier) is True
    assert supplier.response_rate == Decimal("0.500")
    assert supplier.median_response_hours == Decimal("5.00")
    assert refresh_supplier_metrics(supplier) is False  # nothing changed: nothing written


def test_a_quotation_is_the_response_to_a_match(login_as):
    supplier, owner = supplier_with_catalog("Quick Quoter")
    slow, slow_owner = supplier_with_catalog("Slow Quoter")
    rfq = post_rfq(BuyerFactory())
    # The RFQ arrived 30 hours ago for the slow one, 3 hours ago for the quick one.
    for company, hours in ((supplier, 3), (slow, 30)):
        match = db.session.query(RFQMatch).filter_by(rfq_id=rfq.id, supplier_id=company.id).one()
        match.created_at = utcnow() - timedelta(hours=hours)
    transaction.commit()
    quote(rfq, owner)
    quote(rfq, slow_owner)

    db.session.expire_all()
    assert float(supplier.response_rate) == 1.0
    assert 2.9 <= float(supplier.median_response_hours) <= 3.1
    assert float(slow.response_rate) == 0.0
    # Published on the supplier's profile.
    profile = login_as(owner).get(f"/api/v1/suppliers/{supplier.id}").json
    assert profile["response_rate"] == 1.0


def test_an_unanswered_match_turns_into_a_miss_after_24_hours(app):
    supplier, _owner = supplier_with_catalog("Sleepy Factory")
    rfq = post_rfq(BuyerFactory())
    assert supplier.response_rate is None  # a fresh RFQ is no failure yet
    match = db.session.query(RFQMatch).filter_by(rfq_id=rfq.id).one()
    match.created_at = utcnow() - timedelta(hours=25)
    transaction.commit()

    seen, changed = refresh_all_metrics()
    assert seen >= 1 and changed == 1
    assert supplier.response_rate == Decimal("0.000")
    assert supplier.median_response_hours is None


@pytest.mark.parametrize("days", [29, 31])
def test_the_cli_applies_the_sliding_window(app, days):
    supplier = SupplierFactory(response_rate=Decimal("1.000"), median_response_hours=Decimal("2"))
    inquiry(supplier, BuyerFactory(), age=timedelta(days=days))  # never answered
    transaction.commit()

    result = app.test_cli_runner().invoke(args=["sourcing", "refresh-metrics"])
    assert result.exit_code == 0, result.output
    assert "suppliers" in result.output
    db.session.expire_all()
    if days == 29:
        assert supplier.response_rate == Decimal("0.000")
    else:  # out of the window: no history at all
        assert supplier.response_rate is None and supplier.median_response_hours is None

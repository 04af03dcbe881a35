"""The demo inquiries: every state, plausible response rates, idempotent, no e-mail."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import transaction
from marketplace.demo import load_demo_data
from marketplace.demo.inquiries import load_inquiry_demo
from marketplace.demo.loader import demo_data
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry, InquiryMessage
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.suppliers.models import Supplier


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_inquiries_in_every_state_once(app):
    emails_before = count(OutboxEmail)

    report = load_demo_data(supplier_limit=4, products_per_supplier=2)
    transaction.commit()
    made = {
        key.removeprefix("inquiries "): n
        for key, n in report.sourcing.items()
        if key.startswith("inquiries ")
    }

    assert set(made) == {"open", "replied", "closed"}
    buyers = db.session.scalar(sa.select(sa.func.count(sa.distinct(Inquiry.buyer_id))))
    assert count(Inquiry) == buyers * len(demo_data().inquiries.threads) and buyers >= 7
    assert count(InquiryMessage) > count(Inquiry)
    assert count(Notification) > 0
    assert count(OutboxEmail) == emails_before  # nobody is mailed by the demo
    for inquiry in db.session.scalars(sa.select(Inquiry)):
        assert inquiry.created_at <= inquiry.last_message_at
        if inquiry.first_response_at:
            assert inquiry.created_at < inquiry.first_response_at
    rates = [s.response_rate for s in db.session.scalars(sa.select(Supplier)) if s.response_rate]
    assert rates and all(0 <= float(rate) <= 1 for rate in rates)

    assert sum(load_inquiry_demo().values()) == 0  # a second run adds nothing

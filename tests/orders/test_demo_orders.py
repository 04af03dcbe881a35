"""The demo's orders: every accepted demo quotation becomes an order, in several states,
through the services; loading again adds none; no e-mail is left for anyone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.demo import load_demo_data
from marketplace.demo.orders import load_order_demo
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.orders.models import Order
from marketplace.rfqs.models import Quotation, QuotationStatus
from tests.conftest import module_session


@pytest.fixture(scope="module")
def seeded(app, module_connection):
    with module_session(app, module_connection) as session:
        mails = session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))
        made = load_demo_data(products_per_supplier=2).sourcing
        transaction.commit()
    return made, mails


def test_accepted_quotations_become_orders_in_several_states(seeded):
    made, mails_before = seeded
    accepted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Quotation)
        .where(Quotation.status == QuotationStatus.ACCEPTED)
    )
    orders = db.session.scalars(sa.select(Order)).all()
    assert accepted >= 3 and len(orders) == accepted
    states = {order.status.value for order in orders}
    assert len(states) >= 3, states
    assert sum(v for k, v in made.items() if k.startswith("orders ")) == len(orders)
    for order in orders:
        assert [e.status for e in order.events][-1] == order.status.value
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == mails_before


def test_loading_again_adds_no_order(seeded):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Order))
    assert not load_order_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == before

"""The sourcing demo data: buyers from every main market with RFQs and quotations in
every state, seeded through the services, idempotent, and never mailing anyone."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.demo import load_demo_data
from marketplace.demo.loader import demo_data
from marketplace.demo.sourcing import load_sourcing_demo, quotation_states
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.rfqs.models import RFQ, Quotation, QuotationRevision, RFQMatch
from marketplace.suppliers.models import Supplier
from tests.conftest import module_session

PLAN = demo_data().sourcing.rfqs


@pytest.fixture(scope="module")
def seeded(app, module_connection):
    """The demo seed (``load_demo_data`` runs the sourcing demo after the catalog), made
    once for the module: its tests only read it, each in a savepoint rolled back after."""
    with module_session(app, module_connection) as session:
        mails_before = session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))
        made = load_demo_data(products_per_supplier=2).sourcing
        transaction.commit()
    made["mails before"] = mails_before
    return made


def test_every_rfq_and_quotation_state_is_there(seeded):
    now = utcnow()
    rfqs = list(db.session.scalars(sa.select(RFQ)))
    assert len(rfqs) == len(PLAN)
    assert Counter(r.effective_status(now).value for r in rfqs) == Counter(p.state for p in PLAN)
    states = {status.value for status in quotation_states()}
    assert states == {"submitted", "accepted", "declined", "withdrawn"}
    assert db.session.scalar(sa.select(sa.func.max(Quotation.revision))) >= 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuotationRevision)) > len(
        list(db.session.scalars(sa.select(Quotation.id)))
    )
    # An open RFQ nobody has quoted yet, and closed ones still waiting for a decision.
    assert any(r.quotation_count == 0 and r.effective_status(now).value == "open" for r in rfqs)
    assert seeded["quotations"] > 20


def test_buyers_from_every_main_market_post_rfqs(seeded):
    countries = set(db.session.scalars(sa.select(User.country).join(RFQ, RFQ.buyer_id == User.id)))
    assert {"US", "VN", "PH", "IN", "ZA", "DE", "AE"} <= countries


def test_the_timeline_is_in_the_past_and_metrics_follow_it(seeded):
    now = utcnow()
    for match in db.session.scalars(sa.select(RFQMatch)):
        assert match.created_at <= now
        if match.first_response_at is not None:
            assert match.created_at < match.first_response_at <= now
    for rfq in db.session.scalars(sa.select(RFQ)):
        assert rfq.quote_deadline.date() <= rfq.needed_by
    rates = [s.response_rate for s in db.session.scalars(sa.select(Supplier))]
    assert any(r is not None and 0 < r < 1 for r in rates)


def test_seeding_mails_nobody_and_a_second_run_adds_nothing(app, seeded):
    mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail))
    assert mails == seeded["mails before"]  # the RFQ demo queued none that stayed
    before = (
        db.session.scalar(sa.select(sa.func.count()).select_from(RFQ)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Quotation)),
    )
    again = load_sourcing_demo(app.config["DEMO_DATA_SEED"])
    transaction.commit()
    assert not again
    assert before == (
        db.session.scalar(sa.select(sa.func.count()).select_from(RFQ)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Quotation)),
    )

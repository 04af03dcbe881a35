"""Integrity under concurrent requests, with real commits on a dedicated database
(SQLite file or PostgreSQL, following TEST_DATABASE_URL):

- 50 accepts of one RFQ's quotations at once, 20 rounds: exactly one 200 and 49 409s
  every time, one accepted quotation, one ``quotation.accepted`` notification, one audit
  row.  The figures (time per round) are printed; run with ``-s`` to see them.
- 15 suppliers quoting at once on an RFQ that takes 10: exactly 10 quotations.
"""

from __future__ import annotations

import statistics
import time

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from tests.factories import BuyerFactory
from tests.reliability.conftest import in_parallel
from tests.rfqs.support import post_rfq, quote, quote_payload, supplier_with_catalog

pytestmark = pytest.mark.real_commits

ACCEPTS = 50
ROUNDS = 20
QUOTING_SUPPLIERS = 3


def market(dedicated, suppliers: int):
    """A buyer with an API token, and ``suppliers`` companies (one member each) with a
    published EVA product; committed.  Returns (buyer id, token, [(supplier id, owner id)])."""
    with dedicated.app.app_context():
        buyer = BuyerFactory()
        _token, secret = accounts.create_token(buyer, "concurrency test")
        companies = [supplier_with_catalog(f"Racing Factory {n}") for n in range(suppliers)]
        transaction.commit()
        result = buyer.id, secret, [(s.id, o.id) for s, o in companies]
        db.session.remove()
    return result


def bearer_clients(dedicated, secret: str, count: int):
    clients = [dedicated.api() for _ in range(count)]
    for client in clients:
        client.bearer = secret
    return clients


def scalar(dedicated, sql: str, **params):
    with dedicated.app.app_context(), db.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_fifty_concurrent_accepts_give_exactly_one_award(make_app):
    dedicated = make_app(RFQ_LIMITS_PER_BUYER="1000 per hour")
    backend = "SQLite" if dedicated.is_sqlite else "PostgreSQL"
    buyer_id, secret, companies = market(dedicated, QUOTING_SUPPLIERS)
    clients = bearer_clients(dedicated, secret, ACCEPTS)
    timings = []

    for round_ in range(ROUNDS):
        with dedicated.app.app_context():
            from marketplace.accounts.models import User

            buyer = db.session.get(User, buyer_id)
            rfq = post_rfq(buyer, title=f"Round {round_}")
            quotation_ids = [
                quote(rfq, db.session.get(User, owner_id), unit_price=f"1.0{n}").id
                for n, (_sid, owner_id) in enumerate(companies)
            ]
            rfq_id = rfq.id
            db.session.remove()

        # The threads accept the RFQ's quotations in turn: different rows, one RFQ.
        paths = [
            f"/api/v1/quotations/{quotation_ids[i % len(quotation_ids)]}/accept"
            for i in range(ACCEPTS)
        ]
        started = time.perf_counter()
        responses = in_parallel(clients, lambda i, c, paths=paths: c.post(paths[i]))
        timings.append(time.perf_counter() - started)

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (ACCEPTS - 1), [
            r.get_data(as_text=True)[:200] for r in responses if r.status_code not in (200, 409)
        ]
        (winner,) = [r.json for r in responses if r.status_code == 200]
        assert all(r.json["code"] == 409 for r in responses if r.status_code == 409)
        assert winner["status"] == "accepted" and winner["rfq"]["status"] == "awarded"
        assert dedicated.count("quotations", "rfq_id = :r AND status = 'accepted'", r=rfq_id) == 1
        assert (
            dedicated.count("quotations", "rfq_id = :r AND status = 'declined'", r=rfq_id)
            == QUOTING_SUPPLIERS - 1
        )
        assert dedicated.count("rfqs", "id = :r AND status = 'awarded'", r=rfq_id) == 1
        # Cumulative over the rounds: one of each per round, never more.
        assert dedicated.count("notifications", "kind = 'quotation.accepted'") == round_ + 1
        assert dedicated.count("audit_log", "action = 'quotation.accept'") == round_ + 1
        assert (
            scalar(
                dedicated,
                "SELECT target_id FROM audit_log WHERE action = 'quotation.accept' "
                "ORDER BY id DESC LIMIT 1",
            )
            == winner["id"]
        )

    print(
        f"\n{backend}: {ROUNDS} rounds of {ACCEPTS} concurrent accepts -> 1 x 200 + "
        f"{ACCEPTS - 1} x 409 every round; per round: median {statistics.median(timings):.3f} s, "
        f"min {min(timings):.3f} s, max {max(timings):.3f} s, total {sum(timings):.2f} s"
    )


def test_racing_suppliers_never_exceed_the_cap(make_app):
    racers = 15
    dedicated = make_app()
    _buyer_id, _secret, companies = market(dedicated, racers)
    clients = [dedicated.api() for _ in range(racers)]
    with dedicated.app.app_context():
        from marketplace.accounts.models import User

        buyer = db.session.get(User, _buyer_id)
        rfq_id = post_rfq(buyer).id
        emails = [db.session.get(User, owner_id).email for _sid, owner_id in companies]
        db.session.remove()
    for client, email in zip(clients, emails, strict=True):
        assert client.login(email).status_code == 200

    responses = in_parallel(
        clients, lambda i, c: c.post(f"/api/v1/rfqs/{rfq_id}/quotations", json=quote_payload())
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * (racers - 10), statuses
    assert dedicated.count("quotations", "rfq_id = :r", r=rfq_id) == 10
    assert dedicated.count("rfqs", "id = :r AND quotation_count = 10", r=rfq_id) == 1


def test_colleagues_quoting_at_once_leave_one_consistent_quotation(make_app):
    colleagues = 8
    dedicated = make_app()
    buyer_id, _secret, [(supplier_id, owner_id)] = market(dedicated, 1)
    with dedicated.app.app_context():
        from marketplace.accounts.models import User
        from marketplace.suppliers import services as suppliers
        from marketplace.suppliers.models import Supplier

        supplier = db.session.get(Supplier, supplier_id)
        emails = [db.session.get(User, owner_id).email]
        for n in range(colleagues - 1):
            staff = suppliers.add_staff(
                supplier,
                email=f"colleague{n}@factory.example",
                name=f"Colleague {n}",
                password="a long enough staff password",
            )
            emails.append(staff.email)
        transaction.commit()
        rfq_id = post_rfq(db.session.get(User, buyer_id)).id
        db.session.remove()
    clients = [dedicated.api() for _ in emails]
    for client, email in zip(clients, emails, strict=True):
        password = "a long enough staff password" if email.startswith("colleague") else None
        assert client.login(email, *([password] if password else [])).status_code == 200

    responses = in_parallel(
        clients,
        lambda i, c: c.post(
            f"/api/v1/rfqs/{rfq_id}/quotations", json=quote_payload(unit_price=f"1.{i:02d}")
        ),
    )

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201, 409}, statuses
    revised = statuses.count(200)
    assert dedicated.count("quotations", "rfq_id = :r", r=rfq_id) == 1
    assert dedicated.count("rfqs", "id = :r AND quotation_count = 1", r=rfq_id) == 1
    assert dedicated.count("quotations", "revision = :n", n=1 + revised) == 1
    assert dedicated.count("quotation_revisions") == 1 + revised

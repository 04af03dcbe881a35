"""Integrity under concurrent requests, with real commits on a dedicated database (SQLite
file or PostgreSQL, following TEST_DATABASE_URL):

- identical moves at once: exactly one 200, the others 409, one timeline event, one
  audit row, one round of notifications;
- orders created at once (one per accepted quotation): every one gets its own number,
  consecutive within the year;
- orders from one quotation at once: one 201, the others 409, one order.
"""

from __future__ import annotations

import pytest

from marketplace import transaction
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.orders.models import OrderStatus
from tests.orders.support import accepted_deal, order_for
from tests.reliability.conftest import in_parallel

pytestmark = pytest.mark.real_commits

RACERS = 12
ROUNDS = 3


def bearer_clients(dedicated, secret: str, count: int):
    clients = [dedicated.api() for _ in range(count)]
    for client in clients:
        client.bearer = secret
    return clients


def deal_with_tokens(dedicated, status: OrderStatus = OrderStatus.PROPOSED, *, order=True):
    with dedicated.app.app_context():
        deal = accepted_deal()
        _t, buyer_secret = accounts.create_token(deal.buyer, "buyer ERP")
        _t, owner_secret = accounts.create_token(deal.owner, "supplier ERP")
        order_id = order_for(deal, status).id if order else None
        transaction.commit()
        result = deal.quotation.id, order_id, buyer_secret, owner_secret
        db.session.remove()
    return result


@pytest.mark.parametrize(
    ("move", "source", "side", "body"),
    [
        ("confirm", OrderStatus.PROPOSED, "buyer", None),
        ("start-production", OrderStatus.CONFIRMED, "owner", None),
        ("ship", OrderStatus.IN_PRODUCTION, "owner", {"carrier": "COSCO", "reference": "B/L 1"}),
        ("cancel", OrderStatus.PROPOSED, "owner", {"reason": "Out of EVA."}),
        ("dispute", OrderStatus.SHIPPED, "buyer", {"reason": "Wet cartons."}),
    ],
)
def test_identical_moves_at_once_give_one_success(make_app, move, source, side, body):
    dedicated = make_app()
    for _round in range(ROUNDS):
        _q, order_id, buyer_secret, owner_secret = deal_with_tokens(dedicated, source)
        secret = buyer_secret if side == "buyer" else owner_secret
        clients = bearer_clients(dedicated, secret, RACERS)
        events_before = dedicated.count("order_events")
        audits_before = dedicated.count("audit_log", "action LIKE 'order.%'")

        responses = in_parallel(
            clients,
            lambda i, c, order_id=order_id: c.post(f"/api/v1/orders/{order_id}/{move}", json=body),
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (RACERS - 1), [
            r.get_data(as_text=True)[:200] for r in responses if r.status_code not in (200, 409)
        ]
        assert dedicated.count("order_events") == events_before + 1
        assert dedicated.count("audit_log", "action LIKE 'order.%'") == audits_before + 1
        (winner,) = [r.json for r in responses if r.status_code == 200]
        assert dedicated.count("orders", "id = :o AND status = :s", o=order_id, s=winner["status"])


def test_orders_created_at_once_get_consecutive_numbers(make_app):
    dedicated = make_app()
    deals = [deal_with_tokens(dedicated, order=False) for _ in range(RACERS)]
    clients = [bearer_clients(dedicated, buyer_secret, 1)[0] for _q, _o, buyer_secret, _s in deals]

    responses = in_parallel(clients, lambda i, c: c.post(f"/api/v1/quotations/{deals[i][0]}/order"))

    assert [r.status_code for r in responses] == [201] * RACERS, [
        r.get_data(as_text=True)[:200] for r in responses
    ]
    numbers = sorted(r.json["number"] for r in responses)
    year = numbers[0].split("-")[1]
    assert numbers == [f"NK-{year}-{n:06d}" for n in range(1, RACERS + 1)]
    assert dedicated.count("order_number_counters", "last = :n", n=RACERS) == 1


def test_one_order_per_quotation_under_concurrency(make_app):
    dedicated = make_app()
    quotation_id, _o, buyer_secret, owner_secret = deal_with_tokens(dedicated, order=False)
    clients = bearer_clients(dedicated, buyer_secret, RACERS // 2) + bearer_clients(
        dedicated, owner_secret, RACERS // 2
    )

    responses = in_parallel(
        clients, lambda i, c: c.post(f"/api/v1/quotations/{quotation_id}/order")
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [
        r.get_data(as_text=True)[:200] for r in responses if r.status_code not in (201, 409)
    ]
    assert dedicated.count("orders", "quotation_id = :q", q=quotation_id) == 1
    assert dedicated.count("order_number_counters", "last = 1") == 1

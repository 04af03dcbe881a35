"""Identical moves at once, with real commits on the configured database (SQLite file or
PostgreSQL, following TEST_DATABASE_URL): exactly one 200 and the rest 409, one state
change, one notification and one audit row per move, every round."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from marketplace import transaction
from marketplace.accounts import services as accounts
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from tests.catalog.support import make_product
from tests.factories import BuyerFactory, SupplierOwnerFactory, SupplierStaffFactory
from tests.reliability.conftest import in_parallel
from tests.samples.support import BODIES, SAMPLES, sample_body

pytestmark = pytest.mark.real_commits

CLIENTS = 8
ROUNDS = 3
# Each move, by whom (the buyer's tokens or the members' sessions), in the order of the way.
WAY = [("quote", "members"), ("accept", "buyer"), ("ship", "members"), ("receive", "buyer")]


def market(dedicated):
    """A buyer (API token), a supplier with CLIENTS members and a published product."""
    with dedicated.app.app_context():
        owner = SupplierOwnerFactory()
        staff = [SupplierStaffFactory(supplier=owner.supplier) for _ in range(CLIENTS - 1)]
        product = make_product(owner.supplier, ProductStatus.PUBLISHED, sku="RACE-1")
        buyer = BuyerFactory()
        _token, secret = accounts.create_token(buyer, "race")
        transaction.commit()
        result = secret, product.id, [owner.email, *(s.email for s in staff)]
        db.session.remove()
    return result


def clients(dedicated, secret, member_emails):
    buyers = [dedicated.api() for _ in range(CLIENTS)]
    for client in buyers:
        client.bearer = secret
    members = [dedicated.api() for _ in member_emails]
    for client, email in zip(members, member_emails, strict=True):
        assert client.login(email).status_code == 200
    return {"buyer": buyers, "members": members}


def new_request(client, product_id) -> int:
    response = client.post(SAMPLES, json=sample_body(SimpleNamespace(id=product_id)))
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.mark.parametrize("last", ["receive", "cancel", "decline"])
def test_identical_moves_at_once_succeed_once(make_app, last):
    dedicated = make_app(SAMPLE_REQUEST_LIMITS_PER_BUYER="1000 per hour")
    secret, product_id, member_emails = market(dedicated)
    parties = clients(dedicated, secret, member_emails)
    if last == "receive":
        way = WAY
    elif last == "cancel":
        way = [("cancel", "buyer")]
    else:
        way = [("decline", "members")]

    for _ in range(ROUNDS):
        sample_id = new_request(parties["buyer"][0], product_id)
        for name, who in way:
            responses = in_parallel(
                parties[who],
                lambda i, c, name=name, sample_id=sample_id: c.post(
                    f"{SAMPLES}/{sample_id}/{name}", json=BODIES[name]
                ),
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200] + [409] * (CLIENTS - 1), (name, statuses)
        where = "target_type = 'sample_request' AND target_id = :id"
        # The request and one row per move, whatever the races.
        assert dedicated.count("audit_log", where, id=sample_id) == 1 + len(way)
    assert (
        dedicated.count("notifications", "kind LIKE 'sample.%'")
        == ROUNDS * CLIENTS + sum(CLIENTS if who == "buyer" else 1 for _name, who in way) * ROUNDS
    )

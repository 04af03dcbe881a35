"""Every move from every state, and every move by every kind of user: the allowed move
answers 200 with the new state; a move from another state is a 409 that changes nothing;
the other party and admins get 403, strangers 404, anonymous 401."""

from __future__ import annotations

import pytest

from marketplace.samples.models import SampleStatus
from marketplace.samples.services import MOVES, SUPPLIER
from tests.samples.support import BODIES, SAMPLES, counts, make_sample, row

STATES = list(SampleStatus)


@pytest.mark.parametrize("state", STATES, ids=[s.value for s in STATES])
@pytest.mark.parametrize("name", list(MOVES))
def test_each_move_from_each_state(name, state, buyer, staff, product, login_as):
    sample = make_sample(buyer, product, state, member=staff)
    move = MOVES[name]
    client = login_as(staff if move.side == SUPPLIER else buyer)
    before = counts()

    response = client.post(f"{SAMPLES}/{sample.id}/{name}", json=BODIES[name])

    if state in move.sources:
        assert response.status_code == 200, response.json
        assert response.json["status"] == move.target.value
        assert row(sample.id).status == move.target
    else:
        assert response.status_code == 409, response.json
        assert state.value in response.json["message"]
        assert row(sample.id).status == state
        assert counts() == before


@pytest.mark.parametrize("name", list(MOVES))
def test_the_other_party_and_admins_are_refused(
    name, buyer, other_buyer, owner, staff, other_staff, admin, product, login_as, api
):
    move = MOVES[name]
    start = move.sources[0]
    sample = make_sample(buyer, product, start, member=staff)
    wrong_side = (buyer,) if move.side == SUPPLIER else (owner, staff)
    before = counts()
    expected = [
        *[(user, 403) for user in (*wrong_side, admin)],
        (other_buyer, 404),
        (other_staff, 404),
    ]
    for user, status in expected:
        response = login_as(user).post(f"{SAMPLES}/{sample.id}/{name}", json=BODIES[name])
        assert response.status_code == status, (user.email, response.json)
    assert api.post(f"{SAMPLES}/{sample.id}/{name}", json=BODIES[name]).status_code == 401
    assert row(sample.id).status == start
    assert counts() == before


def test_an_unknown_request_is_404(buyer, login_as):
    assert login_as(buyer).post(f"{SAMPLES}/999999/accept").status_code == 404


def test_the_whole_way_to_received(buyer, owner, staff, product, login_as):
    buyer_client, owner_client, staff_client = login_as(buyer), login_as(owner), login_as(staff)
    created = buyer_client.post(
        SAMPLES,
        json={
            "product_id": product.id,
            "quantity_pairs": 6,
            "sizes": ["37", "39"],
            "colors": ["白色", "navy"],
            "destination_country": "ph",
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "requested"
    assert body["supplier_id"] == product.supplier_id
    assert body["colors"] == ["白色", "navy"]
    assert body["destination_country"] == "PH"
    assert body["fee"] is None and body["tracking"] is None
    path = f"{SAMPLES}/{body['id']}"

    quoted = owner_client.post(
        f"{path}/quote",
        json={"fee": 0, "shipping_fee": "35.5", "currency": "EUR", "ready_in_days": 7},
    )
    assert quoted.status_code == 200, quoted.json
    assert quoted.json["fee"] == "0.00"
    assert quoted.json["shipping_fee"] == "35.50"
    assert (quoted.json["currency"], quoted.json["ready_in_days"]) == ("EUR", 7)

    assert buyer_client.post(f"{path}/accept").json["status"] == "accepted"
    shipped = staff_client.post(f"{path}/ship", json={"carrier": "SF Express", "reference": "SF1"})
    assert shipped.json["tracking"] == {"carrier": "SF Express", "reference": "SF1"}
    received = buyer_client.post(f"{path}/receive")
    assert received.json["status"] == "received"
    assert received.json["received_at"] is not None


def test_decline_keeps_the_reason_for_the_buyer(buyer, staff, product, login_as):
    sample = make_sample(buyer, product, member=staff)
    login_as(staff).post(f"{SAMPLES}/{sample.id}/decline", json={"reason": "Mould retired."})
    seen = login_as(buyer).get(f"{SAMPLES}/{sample.id}").json
    assert (seen["status"], seen["decline_reason"]) == ("declined", "Mould retired.")

"""Posting an RFQ: the contract's fields, validation, who may, the per-buyer limits, and
the status an RFQ shows (an open RFQ past its deadline is closed, in lists and filters)."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.rfqs.models import RFQ, RFQMatch
from tests.factories import AdminFactory, BuyerFactory, SupplierOwnerFactory
from tests.rfqs.support import count, iso, post_rfq, rfq_payload, supplier_with_catalog


@pytest.fixture
def buyer():
    return BuyerFactory(name="Maria Santos", company_name="Manila Home Supplies", country="PH")


def test_buyer_posts_an_rfq_and_gets_it_back_open(buyer, login_as):
    supplier_with_catalog("Matching Factory")
    response = login_as(buyer).post("/api/v1/rfqs", json=rfq_payload(materials=["eva"]))

    assert response.status_code == 201, response.json
    body = response.json
    assert body["buyer"] == {
        "id": buyer.id,
        "name": "Maria Santos",
        "company_name": "Manila Home Supplies",
        "country": "PH",
    }
    assert body["status"] == "open"
    assert body["quotation_count"] == 0
    assert body["matched_supplier_count"] == 1
    assert body["category"] == "eva-slippers"
    assert body["materials"] == ["EVA"]  # spelled as the vocabulary spells it
    assert body["target_unit_price"] == "1.10"
    assert body["quote_deadline"].endswith("+00:00")
    assert body["match"] is None and body["my_quotation"] is None
    assert count(RFQ) == 1


def test_deadline_with_an_offset_is_stored_in_utc(buyer, login_as):
    deadline = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    local = deadline.astimezone(timezone(timedelta(hours=8)))  # Manila time
    response = login_as(buyer).post(
        "/api/v1/rfqs", json=rfq_payload(quote_deadline=local.isoformat())
    )
    assert response.status_code == 201, response.json
    assert response.json["quote_deadline"] == deadline.isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quote_deadline": iso(utcnow() - timedelta(minutes=1))}, "quote_deadline"),
        ({"quote_deadline": "2026-12-01T10:00:00"}, "quote_deadline"),  # no offset
        ({"quote_deadline": "9999-12-31T23:59:59-05:00"}, "quote_deadline"),
        ({"quote_deadline": "0001-01-01T00:00:00+05:00"}, "quote_deadline"),
        ({"needed_by": "9999-12-31"}, "needed_by"),
        ({"needed_by": (utcnow() - timedelta(days=1)).date().isoformat()}, "needed_by"),
        ({"category": "space-boots"}, "category"),
        ({"materials": ["EVA", "unobtainium"]}, "materials"),
        ({"materials": ["EVA", "eva"]}, "materials"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2**31}, "quantity"),
        ({"quantity": "5000"}, "quantity"),
        ({"target_unit_price": "1.00001"}, "target_unit_price"),
        ({"target_unit_price": "-1"}, "target_unit_price"),
        ({"currency": "XXQ"}, "currency"),
        ({"destination_country": "EU"}, "destination_country"),
        ({"incoterm": "FOBX"}, "incoterm"),
        ({"title": "x" * 201}, "title"),
        ({"description": "d" * 5001}, "description"),
    ],
)
def test_invalid_rfqs_are_422_and_write_nothing(buyer, login_as, change, field):
    response = login_as(buyer).post("/api/v1/rfqs", json=rfq_payload(**change))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert count(RFQ) == 0


def test_deadline_must_not_be_after_needed_by(buyer, login_as):
    needed_by = (utcnow() + timedelta(days=5)).date()
    response = login_as(buyer).post(
        "/api/v1/rfqs",
        json=rfq_payload(
            needed_by=needed_by.isoformat(), quote_deadline=iso(utcnow() + timedelta(days=6))
        ),
    )
    assert response.status_code == 422
    assert "quote_deadline" in response.json["errors"]


@pytest.mark.parametrize(
    "extra",
    [{"status": "awarded"}, {"buyer_id": 1}, {"quotation_count": 9}, {"id": 5}],
)
def test_mass_assignment_is_refused(buyer, login_as, extra):
    response = login_as(buyer).post("/api/v1/rfqs", json=rfq_payload(**extra))
    assert response.status_code == 422
    assert next(iter(extra)) in response.json["errors"]
    assert count(RFQ) == 0


def test_only_buyers_post_rfqs(login_as, make_api):
    for user in (SupplierOwnerFactory(), AdminFactory()):
        assert login_as(user).post("/api/v1/rfqs", json=rfq_payload()).status_code == 403
    anonymous = make_api()
    anonymous.refresh_csrf()
    assert anonymous.post("/api/v1/rfqs", json=rfq_payload()).status_code == 401
    assert count(RFQ) == 0


def test_per_buyer_limit_gives_429_with_retry_after(app, buyer, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "RFQ_LIMITS_PER_BUYER", "3 per hour;20 per day")
    client = login_as(buyer)
    statuses = [client.post("/api/v1/rfqs", json=rfq_payload()).status_code for _ in range(4)]

    assert statuses == [201, 201, 201, 429]
    refused = client.post("/api/v1/rfqs", json=rfq_payload())
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json["code"] == 429
    assert count(RFQ) == 3
    # Another buyer has a bucket of its own.
    assert login_as(BuyerFactory()).post("/api/v1/rfqs", json=rfq_payload()).status_code == 201


def test_refused_rfqs_do_not_use_up_the_limit(app, buyer, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "RFQ_LIMITS_PER_BUYER", "2 per hour")
    client = login_as(buyer)
    for _ in range(3):
        assert client.post("/api/v1/rfqs", json=rfq_payload(category="nope")).status_code == 422
    assert client.post("/api/v1/rfqs", json=rfq_payload()).status_code == 201


def past_deadline(rfq: RFQ) -> RFQ:
    """Time passes: the RFQ's quote deadline is now behind us."""
    rfq.quote_deadline = utcnow() - timedelta(minutes=5)
    transaction.commit()
    return rfq


def test_an_open_rfq_past_its_deadline_shows_as_closed_everywhere(buyer, login_as):
    _supplier, owner = supplier_with_catalog("Matched Factory")
    open_rfq = post_rfq(buyer, title="Still open")
    closed = past_deadline(post_rfq(buyer, title="Deadline passed"))
    client = login_as(buyer)

    assert client.get(f"/api/v1/rfqs/{closed.id}").json["status"] == "closed"
    listed = {item["title"]: item["status"] for item in client.get("/api/v1/rfqs").json["items"]}
    assert listed == {"Still open": "open", "Deadline passed": "closed"}
    only_closed = client.get("/api/v1/rfqs?status=closed").json["items"]
    assert [item["id"] for item in only_closed] == [closed.id]
    only_open = client.get("/api/v1/rfqs?status=open").json["items"]
    assert [item["id"] for item in only_open] == [open_rfq.id]
    # Suppliers see open RFQs by default; the closed one on request.
    supplier_client = login_as(owner)
    assert [i["id"] for i in supplier_client.get("/api/v1/rfqs").json["items"]] == [open_rfq.id]
    assert [i["id"] for i in supplier_client.get("/api/v1/rfqs?status=closed").json["items"]] == [
        closed.id
    ]


def test_buyers_list_their_own_rfqs_newest_first_admins_all(login_as):
    buyer_x, buyer_y = BuyerFactory(), BuyerFactory()
    first = post_rfq(buyer_x, title="X first")
    second = post_rfq(buyer_x, title="X second")
    other = post_rfq(buyer_y, title="Y only")

    mine = login_as(buyer_x).get("/api/v1/rfqs").json
    assert [item["id"] for item in mine["items"]] == [second.id, first.id]
    everything = login_as(AdminFactory()).get("/api/v1/rfqs").json
    assert [item["id"] for item in everything["items"]] == [other.id, second.id, first.id]
    assert login_as(buyer_y).get(f"/api/v1/rfqs/{first.id}").status_code == 404


def test_list_pages_with_a_signed_cursor(login_as):
    buyer = BuyerFactory()
    made = [post_rfq(buyer, title=f"RFQ {n}") for n in range(3)]
    client = login_as(buyer)
    page1 = client.get("/api/v1/rfqs?limit=2").json
    page2 = client.get(f"/api/v1/rfqs?limit=2&cursor={page1['next_cursor']}").json
    assert [i["id"] for i in page1["items"] + page2["items"]] == [r.id for r in reversed(made)]
    assert page2["next_cursor"] is None
    assert client.get("/api/v1/rfqs?cursor=forged").status_code == 422
    assert client.get("/api/v1/rfqs?limit=101").status_code == 422
    assert client.get("/api/v1/rfqs?status=lost").status_code == 422


def test_unmatched_rfq_is_still_posted(buyer, login_as):
    response = login_as(buyer).post("/api/v1/rfqs", json=rfq_payload(category="clogs"))
    assert response.status_code == 201
    assert response.json["matched_supplier_count"] == 0
    assert count(RFQMatch) == 0


def test_filter_by_category(login_as):
    buyer = BuyerFactory()
    clogs = post_rfq(buyer, category="clogs", title="Clogs")
    post_rfq(buyer, title="EVA slippers")
    client = login_as(buyer)
    items = client.get("/api/v1/rfqs?category=CLOGS").json["items"]
    assert [item["id"] for item in items] == [clogs.id]
    assert client.get("/api/v1/rfqs?category=none-such").json["items"] == []

"""Creating orders: from an accepted quotation (either party, once) and from an inquiry
(a supplier member's proposal); numbering; the other party is told."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.orders.models import Order
from marketplace.rfqs.models import QuotationStatus
from tests.factories import BuyerFactory
from tests.orders.support import accepted_deal, count, inquiry_between, order_body
from tests.rfqs.support import post_rfq, quote, supplier_with_catalog

NUMBER = re.compile(r"^NK-20\d\d-\d{6}$")


@pytest.fixture
def deal():
    return accepted_deal(unit_price="1.05")


@pytest.mark.parametrize("role", ["buyer", "owner", "staff"])
def test_a_party_orders_from_the_accepted_quotation(deal, login_as, role):
    response = login_as(deal.user(role)).post(f"/api/v1/quotations/{deal.quotation.id}/order")

    assert response.status_code == 201, response.json
    order = response.json
    assert NUMBER.match(order["number"])
    assert order["status"] == "proposed"
    assert order["quotation_id"] == deal.quotation.id
    assert order["rfq_id"] == deal.quotation.rfq_id
    assert order["buyer"]["id"] == deal.buyer.id
    assert order["supplier_id"] == deal.supplier.id
    (line,) = order["lines"]
    assert line["quantity"] == 20000 and line["unit_price"] == "1.05"
    assert line["product_id"] is None and line["size_breakdown"] is None
    assert order["total"] == "21000.00"
    assert order["incoterm"] == "FOB" and order["destination_country"] == "PH"
    assert [e["status"] for e in order["events"]] == ["proposed"]
    assert order["events"][0]["by"] == deal.user(role).id
    assert order["documents"] == []


def test_one_order_per_quotation(deal, login_as):
    first = login_as(deal.buyer).post(f"/api/v1/quotations/{deal.quotation.id}/order")
    second = login_as(deal.owner).post(f"/api/v1/quotations/{deal.quotation.id}/order")

    assert first.status_code == 201
    assert second.status_code == 409, second.json
    assert first.json["number"] in second.json["message"]
    assert count(Order) == 1


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 403), ("other_buyer", 404), ("other_member", 404)]
)
def test_others_cannot_order_from_the_quotation(deal, login_as, role, status):
    response = login_as(deal.user(role)).post(f"/api/v1/quotations/{deal.quotation.id}/order")

    assert response.status_code == status, response.json
    assert count(Order) == 0


def test_only_an_accepted_quotation_becomes_an_order(login_as):
    _supplier, owner = supplier_with_catalog("Still Quoting Factory")
    buyer = BuyerFactory()
    quotation = quote(post_rfq(buyer), owner)
    assert quotation.status == QuotationStatus.SUBMITTED

    response = login_as(buyer).post(f"/api/v1/quotations/{quotation.id}/order")

    assert response.status_code == 409
    assert "submitted" in response.json["message"]
    assert count(Order) == 0


def test_numbers_follow_each_other(login_as):
    numbers = []
    for _ in range(3):
        deal = accepted_deal()
        numbers.append(
            login_as(deal.buyer)
            .post(f"/api/v1/quotations/{deal.quotation.id}/order")
            .json["number"]
        )
    sequences = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]
    assert len({n.split("-")[1] for n in numbers}) == 1


def test_the_supplier_is_told_when_the_buyer_orders(deal, login_as):
    deal.owner.locale = "zh"
    transaction.commit()
    order = login_as(deal.buyer).post(f"/api/v1/quotations/{deal.quotation.id}/order").json

    notes = sa_select(Notification, Notification.kind == "order.proposed")
    assert {n.user_id for n in notes} == {deal.owner.id, deal.staff.id}
    owner_note = next(n for n in notes if n.user_id == deal.owner.id)
    staff_note = next(n for n in notes if n.user_id == deal.staff.id)
    assert order["number"] in owner_note.title and order["number"] in staff_note.title
    assert "订单" in owner_note.title  # the owner reads Chinese
    assert staff_note.title.startswith("New order")
    emails = sa_select(OutboxEmail, OutboxEmail.subject.contains(order["number"]))
    assert sorted(e.to_address for e in emails) == sorted([deal.owner.email, deal.staff.email])
    assert not sa_select(
        Notification, Notification.user_id == deal.buyer.id, Notification.kind == "order.proposed"
    )
    assert count(AuditEntry, AuditEntry.action == "order.create") == 1


def sa_select(model, *where):
    from marketplace.extensions import db

    return db.session.scalars(sa.select(model).where(*where)).all()


# POST /orders: a supplier's proposal to a buyer who asked --------------------------------


def test_a_member_proposes_an_order_to_a_buyer_who_asked(deal, login_as):
    inquiry = inquiry_between(deal.other_buyer, deal.supplier)

    response = login_as(deal.staff).post("/api/v1/orders", json=order_body(deal.other_buyer))

    assert response.status_code == 201, response.json
    order = response.json
    assert order["inquiry_id"] == inquiry.id and order["quotation_id"] is None
    assert order["buyer"]["id"] == deal.other_buyer.id
    assert order["destination_country"] == inquiry.destination_country
    assert order["total"] == "2220.00"  # 1200 x 1.25 + 600 x 1.20
    assert order["lines"][0]["size_breakdown"] == {"36": 200, "37": 400, "38": 600}
    assert order["lines"][0]["amount"] == "1500.00"
    assert order["deposit_percent"] == 30 and order["ship_by"] == "2027-03-01"
    assert count(Notification, Notification.user_id == deal.other_buyer.id) == 1


def test_no_order_for_a_buyer_who_never_asked(deal, login_as):
    response = login_as(deal.owner).post("/api/v1/orders", json=order_body(deal.other_buyer))

    assert response.status_code == 422
    assert "buyer_id" in response.json["errors"]
    assert count(Order) == 0


def test_an_unknown_buyer_gets_the_same_answer(deal, login_as):
    response = login_as(deal.owner).post("/api/v1/orders", json=order_body(deal.other_buyer))
    unknown = login_as(deal.owner).post(
        "/api/v1/orders", json={**order_body(deal.other_buyer), "buyer_id": 999999}
    )
    assert unknown.status_code == response.status_code == 422
    assert unknown.json["errors"] == response.json["errors"]


def test_the_named_inquiry_must_be_the_buyers_with_the_company(deal, login_as):
    inquiry_between(deal.other_buyer, deal.supplier)
    elsewhere = inquiry_between(deal.buyer, deal.supplier)

    response = login_as(deal.owner).post(
        "/api/v1/orders", json=order_body(deal.other_buyer, inquiry_id=elsewhere.id)
    )

    assert response.status_code == 422
    assert "inquiry_id" in response.json["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size_breakdown": {"36": 200, "37": 400}}, "size_breakdown"),  # 600 of 1200
        ({"size_breakdown": {"huge": 1200}}, "size_breakdown"),
        ({"quantity": 0}, "quantity"),
        ({"unit_price": "-1"}, "unit_price"),
    ],
)
def test_bad_lines_are_refused(deal, login_as, change, field):
    inquiry_between(deal.other_buyer, deal.supplier)
    body = order_body(deal.other_buyer)
    body["lines"][0].update(change)

    response = login_as(deal.owner).post("/api/v1/orders", json=body)

    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"])
    assert count(Order) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"deposit_percent": 101},
        {"deposit_percent": -1},
        {"incoterm": "FOO"},
        {"status": "confirmed"},
        {"supplier_id": 1},
        {"lines": []},
    ],
)
def test_bad_terms_are_refused(deal, login_as, change):
    inquiry_between(deal.other_buyer, deal.supplier)

    response = login_as(deal.owner).post(
        "/api/v1/orders", json=order_body(deal.other_buyer, **change)
    )

    assert response.status_code == 422, response.json
    assert count(Order) == 0


def test_a_line_may_name_only_the_companys_own_products(deal, login_as):
    from tests.catalog.support import make_product

    inquiry_between(deal.other_buyer, deal.supplier)
    someone_elses = make_product(deal.other_member.supplier)
    body = order_body(deal.other_buyer)
    body["lines"][0]["product_id"] = someone_elses.id

    response = login_as(deal.owner).post("/api/v1/orders", json=body)

    assert response.status_code == 422
    assert count(Order) == 0


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_only_supplier_members_propose_orders(deal, login_as, role):
    response = login_as(deal.user(role)).post("/api/v1/orders", json=order_body(deal.buyer))
    assert response.status_code == 403
    assert count(Order) == 0

"""Changing a proposal's terms (the supplier, while proposed) and who sees which orders."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.orders.models import Order, OrderStatus
from tests.orders.support import accepted_deal, count, order_for

S = OrderStatus


@pytest.fixture
def deal():
    return accepted_deal()


def test_the_supplier_changes_the_terms_while_proposed(deal, login_as):
    order = order_for(deal)
    body = {
        "lines": [
            {
                "description": "EVA slides, navy",
                "quantity": 1000,
                "unit_price": "1.10",
                "size_breakdown": {"38": 300, "39": 400, "40": 300},
            },
            {"description": "Gift boxes", "quantity": 1000, "unit_price": "0.15"},
        ],
        "ship_by": "2027-02-15",
        "deposit_percent": 40,
        "incoterm": "CIF",
        "port_of_loading": "Xiamen",
        "notes": "Logo in two colours.",
    }

    response = login_as(deal.staff).patch(f"/api/v1/orders/{order.id}", json=body)

    assert response.status_code == 200, response.json
    changed = response.json
    assert changed["total"] == "1250.00"
    assert changed["lines"][0]["size_breakdown"] == {"38": 300, "39": 400, "40": 300}
    assert (changed["ship_by"], changed["deposit_percent"], changed["incoterm"]) == (
        "2027-02-15",
        40,
        "CIF",
    )
    assert changed["port_of_loading"] == "Xiamen" and changed["notes"] == "Logo in two colours."
    assert changed["status"] == "proposed"
    assert count(Notification, Notification.kind == "order.updated") == 1


@pytest.mark.parametrize(
    "body",
    [
        {"deposit_percent": 101},
        {"incoterm": "XYZ"},
        {"status": "confirmed"},
        {"buyer_id": 5},
        {},
        {
            "lines": [
                {
                    "description": "x",
                    "quantity": 10,
                    "unit_price": "1",
                    "size_breakdown": {"36": 5, "37": 4},
                }
            ]
        },
    ],
)
def test_bad_changes_are_refused(deal, login_as, body):
    order = order_for(deal)
    response = login_as(deal.owner).patch(f"/api/v1/orders/{order.id}", json=body)
    assert response.status_code == 422, response.json
    db.session.expire_all()
    assert db.session.get(Order, order.id).deposit_percent == 30


@pytest.mark.parametrize(
    ("role", "status"),
    [("buyer", 403), ("admin", 403), ("other_member", 404), ("other_buyer", 404)],
)
def test_only_the_supplier_changes_the_terms(deal, login_as, role, status):
    order = order_for(deal)
    response = login_as(deal.user(role)).patch(
        f"/api/v1/orders/{order.id}", json={"deposit_percent": 50}
    )
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Order, order.id).deposit_percent == 30


def test_confirmed_terms_are_fixed(deal, login_as):
    order = order_for(deal, S.CONFIRMED)
    response = login_as(deal.owner).patch(
        f"/api/v1/orders/{order.id}", json={"deposit_percent": 50}
    )
    assert response.status_code == 409
    assert "confirmed" in response.json["message"]


# Visibility -----------------------------------------------------------------------------


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [o["number"] for o in response.json["items"]]


def test_each_viewer_lists_their_own_orders(login_as):
    first = accepted_deal()
    second = accepted_deal()
    a = order_for(first)
    b = order_for(second, S.CONFIRMED)

    assert numbers(login_as(first.buyer).get("/api/v1/orders")) == [a.number]
    assert numbers(login_as(first.staff).get("/api/v1/orders")) == [a.number]
    assert numbers(login_as(second.owner).get("/api/v1/orders")) == [b.number]
    assert numbers(login_as(first.other_buyer).get("/api/v1/orders")) == []
    assert numbers(login_as(first.other_member).get("/api/v1/orders")) == []
    assert numbers(login_as(first.admin).get("/api/v1/orders")) == [b.number, a.number]
    admin = login_as(first.admin)
    assert numbers(admin.get("/api/v1/orders?status=confirmed")) == [b.number]
    assert numbers(admin.get("/api/v1/orders?status=proposed")) == [a.number]
    assert admin.get("/api/v1/orders?status=lost").status_code == 422


def test_the_list_pages_newest_first(deal, login_as):
    made = [order_for(accepted_deal()) for _ in range(3)]
    admin = login_as(deal.admin)
    first = admin.get("/api/v1/orders?limit=2").json
    second = admin.get(f"/api/v1/orders?limit=2&cursor={first['next_cursor']}").json
    assert [o["id"] for o in first["items"] + second["items"]] == [o.id for o in reversed(made)]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("buyer", 200),
        ("owner", 200),
        ("staff", 200),
        ("admin", 200),
        ("other_buyer", 404),
        ("other_member", 404),
    ],
)
def test_one_order_is_for_the_parties_and_admins(deal, login_as, role, status):
    order = order_for(deal)
    response = login_as(deal.user(role)).get(f"/api/v1/orders/{order.id}")
    assert response.status_code == status
    if status == 404:
        assert order.number not in response.get_data(as_text=True)


def test_an_unknown_order_is_404(deal, login_as):
    assert login_as(deal.admin).get("/api/v1/orders/999999").status_code == 404


def test_anonymous_is_401(client):
    assert client.get("/api/v1/orders").status_code == 401

"""Every move x every role: allowed (200), the wrong side or an admin (403), outsiders
(404), the wrong state (409); what a move leaves behind (timeline, audit row, the other
party's notification and e-mail)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.orders.models import Order, OrderEvent, OrderStatus
from marketplace.suppliers.models import SupplierStatus
from tests.orders.support import BODY, PATH, accepted_deal, count, order_for

S = OrderStatus
# move -> (the state it starts from, the roles that may make it, the state it reaches)
MOVES = {
    "confirm": (S.PROPOSED, {"buyer"}, S.CONFIRMED),
    "start_production": (S.CONFIRMED, {"owner", "staff"}, S.IN_PRODUCTION),
    "ship": (S.IN_PRODUCTION, {"owner", "staff"}, S.SHIPPED),
    "deliver": (S.SHIPPED, {"buyer"}, S.DELIVERED),
    "complete": (S.DELIVERED, {"buyer"}, S.COMPLETED),
    "cancel": (S.PROPOSED, {"buyer", "owner", "staff"}, S.CANCELLED),
    "dispute": (S.SHIPPED, {"buyer"}, S.DISPUTED),
}
ROLES = ("buyer", "owner", "staff", "admin", "other_buyer", "other_member")
OUTSIDERS = {"other_buyer", "other_member"}
# A state each move cannot start from (the allowed side tries it: 409).
WRONG_STATE = {
    "confirm": [S.CONFIRMED, S.CANCELLED],
    "start_production": [S.PROPOSED, S.IN_PRODUCTION],
    "ship": [S.CONFIRMED, S.SHIPPED],
    "deliver": [S.IN_PRODUCTION, S.DELIVERED],
    "complete": [S.SHIPPED, S.COMPLETED, S.DISPUTED],
    "cancel": [S.IN_PRODUCTION, S.SHIPPED, S.CANCELLED],
    "dispute": [S.PROPOSED, S.CONFIRMED, S.COMPLETED, S.DISPUTED],
}


def expected(move: str, role: str) -> int:
    if role in OUTSIDERS:
        return 404
    return 200 if role in MOVES[move][1] else 403


def post_move(client, order_id: int, move: str, body: dict | None = None):
    return client.post(
        f"/api/v1/orders/{order_id}/{PATH[move]}",
        json=BODY.get(move) if body is None else body,
    )


def stored_status(order_id: int) -> OrderStatus:
    db.session.expire_all()
    return db.session.get(Order, order_id).status


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MOVES))
def test_who_may_make_each_move(move, role, login_as):
    deal = accepted_deal()
    source, _allowed, target = MOVES[move]
    order = order_for(deal, source)
    audits = count(AuditEntry)

    response = post_move(login_as(deal.user(role)), order.id, move)

    assert response.status_code == expected(move, role), response.json
    if response.status_code == 200:
        assert response.json["status"] == target.value
        assert stored_status(order.id) == target
        assert count(AuditEntry) == audits + 1
    else:
        assert stored_status(order.id) == source
        assert count(AuditEntry) == audits


@pytest.mark.parametrize(
    ("move", "state"), [(move, state) for move, states in WRONG_STATE.items() for state in states]
)
def test_a_move_from_the_wrong_state_is_a_conflict(move, state, login_as):
    deal = accepted_deal()
    order = order_for(deal, state)
    actor = deal.buyer if "buyer" in MOVES[move][1] else deal.owner
    events = count(OrderEvent)

    response = post_move(login_as(actor), order.id, move)

    assert response.status_code == 409, response.json
    assert state.value in response.json["message"]
    assert stored_status(order.id) == state
    assert count(OrderEvent) == events


def test_shipping_needs_the_tracking(login_as):
    deal = accepted_deal()
    order = order_for(deal, S.IN_PRODUCTION)
    client = login_as(deal.owner)

    missing = post_move(client, order.id, "ship", {"carrier": "COSCO"})
    shipped = post_move(client, order.id, "ship", {"carrier": "COSCO", "reference": "B/L 778"})

    assert missing.status_code == 422 and "reference" in missing.json["errors"]
    assert shipped.status_code == 200
    assert shipped.json["tracking"] == {
        "carrier": "COSCO",
        "reference": "B/L 778",
        "container_number": None,
    }


@pytest.mark.parametrize("move", ["cancel", "dispute"])
def test_cancelling_and_disputing_need_a_reason(move, login_as):
    deal = accepted_deal()
    state = MOVES[move][0]
    order = order_for(deal, state)
    client = login_as(deal.buyer)

    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert post_move(client, order.id, move, body).status_code == 422
    assert stored_status(order.id) == state


def test_the_timeline_and_the_audit_trail_of_a_whole_order(login_as):
    deal = accepted_deal()
    order = order_for(deal, S.COMPLETED)

    body = login_as(deal.buyer).get(f"/api/v1/orders/{order.id}").json

    assert [e["status"] for e in body["events"]] == [
        "proposed",
        "confirmed",
        "in_production",
        "shipped",
        "delivered",
        "completed",
    ]
    assert [e["by"] for e in body["events"]] == [
        deal.owner.id,
        deal.buyer.id,
        deal.owner.id,
        deal.owner.id,
        deal.buyer.id,
        deal.buyer.id,
    ]
    ats = [e["at"] for e in body["events"]]
    assert ats == sorted(ats)
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.target_type == "order", AuditEntry.target_id == order.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "order.create",
        "order.confirm",
        "order.start_production",
        "order.ship",
        "order.deliver",
        "order.complete",
    ]


def test_the_reason_is_kept_in_the_timeline_and_the_audit_row(login_as):
    deal = accepted_deal()
    order = order_for(deal, S.CONFIRMED)

    response = post_move(login_as(deal.staff), order.id, "cancel", {"reason": "Mould broke."})

    assert response.json["events"][-1] == {
        "status": "cancelled",
        "at": response.json["events"][-1]["at"],
        "by": deal.staff.id,
        "note": "Mould broke.",
    }
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.cancel")
    ).one()
    assert (entry.before_status, entry.after_status, entry.reason) == (
        "confirmed",
        "cancelled",
        "Mould broke.",
    )
    assert entry.actor_id == deal.staff.id and entry.supplier_id == deal.supplier.id


@pytest.mark.parametrize(
    ("move", "actor", "told"),
    [
        ("confirm", "buyer", {"owner", "staff"}),
        ("start_production", "staff", {"buyer"}),
        ("ship", "owner", {"buyer"}),
        ("cancel", "owner", {"buyer"}),
        ("cancel", "buyer", {"owner", "staff"}),
        ("dispute", "buyer", {"owner", "staff"}),
    ],
)
def test_the_other_party_is_told_by_notification_and_email(move, actor, told, login_as):
    deal = accepted_deal()
    order = order_for(deal, MOVES[move][0])
    target = MOVES[move][2].value

    assert post_move(login_as(deal.user(actor)), order.id, move).status_code == 200

    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == f"order.{target}")
    ).all()
    assert {n.user_id for n in notes} == {deal.user(role).id for role in told}
    emails = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.subject.contains(order.number))
    ).all()
    assert {e.to_address for e in emails} >= {deal.user(role).email for role in told}
    assert deal.user(actor).email not in {
        e.to_address for e in emails if e.notification and e.notification.kind.endswith(target)
    }


def test_a_chinese_reader_gets_the_email_in_chinese(login_as):
    deal = accepted_deal()
    deal.buyer.locale = "zh"
    transaction.commit()
    order = order_for(deal, S.IN_PRODUCTION)

    post_move(login_as(deal.owner), order.id, "ship")

    email = db.session.scalars(
        sa.select(OutboxEmail).where(
            OutboxEmail.to_address == deal.buyer.email,
            OutboxEmail.subject.contains(order.number),
            OutboxEmail.subject.contains("已发货"),
        )
    ).one()
    assert "承运人：COSCO" in email.body_text  # noqa: RUF001 - the Chinese colon
    assert "COSU6123456780" in email.body_text


@pytest.mark.parametrize("outcome", ["completed", "cancelled"])
def test_an_admin_resolves_a_dispute(outcome, login_as):
    deal = accepted_deal()
    order = order_for(deal, S.DISPUTED)

    response = login_as(deal.admin).post(
        f"/api/v1/admin/orders/{order.id}/resolve",
        json={"outcome": outcome, "note": "Inspection photos reviewed."},
    )

    assert response.status_code == 200, response.json
    assert response.json["status"] == outcome
    assert response.json["events"][-1]["note"] == "Inspection photos reviewed."
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "order.resolve")
    ).one()
    assert (entry.actor_id, entry.before_status, entry.after_status) == (
        deal.admin.id,
        "disputed",
        outcome,
    )
    assert entry.reason == "Inspection photos reviewed."
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == f"order.{outcome}")
    ).all()
    assert set(told) == {deal.buyer.id, deal.owner.id, deal.staff.id}


def test_resolving_needs_a_disputed_order_and_a_note(login_as):
    deal = accepted_deal()
    order = order_for(deal, S.SHIPPED)
    admin = login_as(deal.admin)
    path = f"/api/v1/admin/orders/{order.id}/resolve"

    assert admin.post(path, json={"outcome": "completed", "note": "x"}).status_code == 409
    assert admin.post(path, json={"outcome": "completed"}).status_code == 422
    assert admin.post(path, json={"outcome": "shipped", "note": "x"}).status_code == 422
    assert stored_status(order.id) == S.SHIPPED


@pytest.mark.parametrize("role", ["buyer", "owner", "other_buyer"])
def test_only_admins_resolve(role, login_as):
    deal = accepted_deal()
    order = order_for(deal, S.DISPUTED)

    response = login_as(deal.user(role)).post(
        f"/api/v1/admin/orders/{order.id}/resolve", json={"outcome": "completed", "note": "x"}
    )

    assert response.status_code == 403
    assert stored_status(order.id) == S.DISPUTED


def test_a_suspended_companys_members_cannot_move_its_orders(login_as):
    deal = accepted_deal()
    order = order_for(deal, S.CONFIRMED)
    client = login_as(deal.owner)
    deal.supplier.status = SupplierStatus.SUSPENDED
    transaction.commit()

    response = post_move(client, order.id, "start_production")

    assert response.status_code == 403
    assert response.json["message"].startswith("Your company is suspended")
    assert stored_status(order.id) == S.CONFIRMED
    # Reading stays open.
    assert client.get(f"/api/v1/orders/{order.id}").status_code == 200

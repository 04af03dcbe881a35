"""Demo orders: the accepted demo quotations become orders, moved through the states
(one of each, in turn) by their buyer and the supplier's owner, as the services do it.
Idempotent: a quotation that already has an order is left alone."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.extensions import db
from marketplace.orders import services
from marketplace.orders.models import Order, OrderStatus
from marketplace.rfqs.models import RFQ, Quotation, QuotationStatus

# The moves from proposed to each state (the buyer's or the supplier's).
ROUTES: dict[OrderStatus, list[str]] = {
    OrderStatus.PROPOSED: [],
    OrderStatus.CONFIRMED: ["confirm"],
    OrderStatus.IN_PRODUCTION: ["confirm", "start_production"],
    OrderStatus.SHIPPED: ["confirm", "start_production", "ship"],
    OrderStatus.DELIVERED: ["confirm", "start_production", "ship", "deliver"],
    OrderStatus.COMPLETED: ["confirm", "start_production", "ship", "deliver", "complete"],
    OrderStatus.CANCELLED: ["cancel"],
    OrderStatus.DISPUTED: ["confirm", "start_production", "ship", "deliver", "dispute"],
}
SUPPLIER_MOVES = {"start_production", "ship"}
NOTES = {
    "cancel": "The buyer's budget moved to next season.",
    "dispute": "Two cartons arrived crushed; 120 pairs damaged (photos attached).",
}
TRACKING = {"carrier": "COSCO Shipping", "reference": "COSU6281447310", "container_number": None}


def _owner(supplier_id: int) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .where(
            User.supplier_id == supplier_id,
            User.role == Role.SUPPLIER,
            User.company_role == CompanyRole.OWNER,
        )
        .order_by(User.id)
        .limit(1)
    )


def load_order_demo() -> Counter:
    """Orders for the accepted quotations that have none; counts by state.  Flushes."""
    made: Counter = Counter()
    states = list(ROUTES)
    quotations = db.session.scalars(
        sa.select(Quotation)
        .outerjoin(Order, Order.quotation_id == Quotation.id)
        .where(Quotation.status == QuotationStatus.ACCEPTED, Order.id.is_(None))
        .order_by(Quotation.id)
    ).all()
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Order)) or 0
    for n, quotation in enumerate(quotations, start=existing):
        owner = _owner(quotation.supplier_id)
        buyer = db.session.get(User, db.session.get_one(RFQ, quotation.rfq_id).buyer_id)
        if owner is None or buyer is None or not quotation.supplier.is_active:
            continue
        order = services.create_from_quotation(quotation, owner)
        target = states[n % len(states)]
        for move in ROUTES[target]:
            actor = owner if move in SUPPLIER_MOVES else buyer
            if move == "ship":
                services.move(order, actor, move, tracking=TRACKING)
            else:
                services.move(order, actor, move, note=NOTES.get(move, ""))
        made[target.value] += 1
    db.session.flush()
    return made

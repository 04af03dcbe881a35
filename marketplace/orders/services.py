"""Order operations.  Services flush, never commit; the view (or the task) commits once.

Who is who: the order's buyer, the members of its supplier (the two parties) and
admins.  Everyone else is told the order does not exist (404); a party (or an admin)
asking for a move that belongs to the other side is refused (403).

States (the contract): ``proposed`` -> ``confirmed`` (buyer) -> ``in_production``
(supplier) -> ``shipped`` (supplier, with tracking) -> ``delivered`` (buyer) ->
``completed`` (buyer, or ORDER_AUTO_COMPLETE_DAYS after delivery).  ``cancelled`` (either
party, from proposed or confirmed), ``disputed`` (buyer, from shipped or delivered), then
an admin resolves a dispute to completed or cancelled.

Every move is ONE conditional ``UPDATE orders SET status = :to ... WHERE id = :id AND
status IN (:from...)``; a row count of 0 means someone else moved the order first (or it
never was in a state the move starts from): 409.  So two identical moves at once give
one 200 and one 409 on SQLite and PostgreSQL alike.  Each successful move writes one
timeline event, one audit row and the other party's notifications (in their language,
with an outbox e-mail), in the same transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.catalog.models import Product
from marketplace.db import rowcount, utcnow, violates
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry
from marketplace.notifications.services import notify
from marketplace.orders.models import Order, OrderEvent, OrderStatus
from marketplace.orders.numbering import next_number
from marketplace.pagination import paginate_by_id
from marketplace.permissions import is_member_of
from marketplace.rfqs.models import Quotation, QuotationStatus
from marketplace.suppliers.models import Supplier

DEFAULT_DEPOSIT_PERCENT = 30
UPDATABLE = ("ship_by", "deposit_percent", "incoterm", "port_of_loading", "notes")
AUTO_COMPLETE_BATCH = 500


class Side(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


STATUS_LABELS = {
    OrderStatus.PROPOSED: _l("proposed"),
    OrderStatus.CONFIRMED: _l("confirmed"),
    OrderStatus.IN_PRODUCTION: _l("in production"),
    OrderStatus.SHIPPED: _l("shipped"),
    OrderStatus.DELIVERED: _l("delivered"),
    OrderStatus.COMPLETED: _l("completed"),
    OrderStatus.CANCELLED: _l("cancelled"),
    OrderStatus.DISPUTED: _l("disputed"),
}


# Who is who --------------------------------------------------------------------------


def side_of(order: Order, user: User | None) -> Side | None:
    """The party ``user`` speaks for in this order, or None (admins, everyone else)."""
    if user is None:
        return None
    if user.role == Role.BUYER and user.id == order.buyer_id:
        return Side.BUYER
    if is_member_of(user, order.supplier_id):
        return Side.SUPPLIER
    return None


def can_view(order: Order, user: User | None) -> bool:
    return side_of(order, user) is not None or bool(user and user.is_admin)


def get_order(order_id: int, viewer: User) -> Order:
    """The order if ``viewer`` may see it; 404 otherwise."""
    order = db.session.get(Order, order_id)
    if order is None or not can_view(order, viewer):
        raise NotFound("Order not found.")
    return order


def _require_side(order: Order, user: User, *sides: Side) -> Side:
    side = side_of(order, user)
    if side is None or side not in sides:
        who = " or the ".join("supplier" if s == Side.SUPPLIER else "buyer" for s in sides)
        raise Forbidden(f"Only the {who} of this order can do this.")
    return side


def supplier_members(supplier_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.supplier_id == supplier_id, User.role == Role.SUPPLIER)
            .order_by(User.id)
        )
    )


# Lists ---------------------------------------------------------------------------------


def list_orders(
    viewer: User, *, status: str | None = None, limit: int = 20, cursor: str | None = None
) -> dict[str, Any]:
    """Newest first.  Buyers: their own; supplier members: their company's; admins: all."""
    query = sa.select(Order)
    if viewer.is_supplier_member:
        query = query.where(Order.supplier_id == viewer.supplier_id)
    elif viewer.role == Role.BUYER:
        query = query.where(Order.buyer_id == viewer.id)
    elif not viewer.is_admin:
        query = query.where(sa.false())  # a supplier account that left its company
    if status:
        query = query.where(Order.status == OrderStatus(status))
    return paginate_by_id(query, Order, limit=limit, cursor=cursor, salt="orders")


# Lines ---------------------------------------------------------------------------------


def _stored_lines(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "product_id": line.get("product_id"),
            "description": line["description"],
            "quantity": int(line["quantity"]),
            "unit_price": str(Decimal(line["unit_price"])),
            "size_breakdown": dict(line["size_breakdown"]) if line.get("size_breakdown") else None,
        }
        for line in lines
    ]


def lines_total(lines: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum(
        (Decimal(line["unit_price"]) * int(line["quantity"]) for line in lines), Decimal("0")
    )


def _check_products(supplier_id: int, lines: Iterable[Mapping[str, Any]]) -> None:
    """A line's product, when named, is one of the supplier's own products."""
    wanted = {line["product_id"] for line in lines if line.get("product_id")}
    if not wanted:
        return
    found = set(
        db.session.scalars(
            sa.select(Product.id).where(Product.id.in_(wanted), Product.supplier_id == supplier_id)
        )
    )
    if wanted - found:
        raise ValidationFailed(
            errors={"lines": [f"Not products of your company: {sorted(wanted - found)}."]}
        )


# Creating ------------------------------------------------------------------------------


def _new_order(*, creator: User, note: str, **fields: Any) -> Order:
    now = utcnow()
    order = Order(
        number=next_number(now),
        created_by_id=creator.id,
        status=OrderStatus.PROPOSED,
        created_at=now,
        updated_at=now,
        **fields,
    )
    order.total = lines_total(order.lines)
    db.session.add(order)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if violates(exc, "uq_orders_quotation_id:orders.quotation_id"):
            raise Conflict("This quotation already has an order.") from exc
        raise
    db.session.add(
        OrderEvent(
            order_id=order.id, status=OrderStatus.PROPOSED, at=now, by_id=creator.id, note=note
        )
    )
    db.session.flush()
    record(
        "order.create",
        order,
        actor=creator,
        after=OrderStatus.PROPOSED,
        target_type="order",
        details={"number": order.number, "quotation_id": order.quotation_id},
    )
    return order


def create_from_quotation(quotation: Quotation, user: User) -> Order:
    """An order drafted from an accepted quotation (by the buyer or the quoting company's
    members): one line, the RFQ's quantity at the quoted unit price.  One per quotation."""
    rfq = quotation.rfq
    is_buyer = user.role == Role.BUYER and rfq.buyer_id == user.id
    if not (is_buyer or is_member_of(user, quotation.supplier_id)):
        raise Forbidden("Only the buyer and the quoting supplier can order from a quotation.")
    if quotation.status != QuotationStatus.ACCEPTED:
        raise Conflict(
            f"This quotation is {quotation.status.value}; only an accepted one becomes an order."
        )
    existing = db.session.scalar(sa.select(Order.number).where(Order.quotation_id == quotation.id))
    if existing is not None:
        raise Conflict(f"This quotation already has an order: {existing}.")
    supplier = db.session.get_one(Supplier, quotation.supplier_id)
    if not supplier.is_active:
        raise Conflict("The supplier is suspended; it takes no orders.")
    now = utcnow()
    order = _new_order(
        creator=user,
        note="",
        quotation_id=quotation.id,
        rfq_id=rfq.id,
        buyer_id=rfq.buyer_id,
        supplier_id=quotation.supplier_id,
        currency=quotation.currency,
        lines=_stored_lines(
            [
                {
                    "product_id": None,
                    "description": rfq.title,
                    "quantity": rfq.quantity,
                    "unit_price": quotation.unit_price,
                }
            ]
        ),
        incoterm=quotation.incoterm,
        destination_country=rfq.destination_country,
        deposit_percent=DEFAULT_DEPOSIT_PERCENT,
        ship_by=(now + timedelta(days=quotation.lead_time_days)).date(),
        notes=quotation.notes or "",
    )
    _announce_new(order, user)
    return order


def create_for_buyer(user: User, data: Mapping[str, Any]) -> Order:
    """A supplier member's order proposal to a buyer who has an inquiry with the company
    (the inquiry named, or any of theirs); 422 otherwise, whether or not the buyer exists."""
    supplier_id = user.supplier_id
    if supplier_id is None:
        raise Forbidden("Only members of a supplier company can do this.")
    query = sa.select(Inquiry).where(
        Inquiry.buyer_id == data["buyer_id"], Inquiry.supplier_id == supplier_id
    )
    if data.get("inquiry_id") is not None:
        query = query.where(Inquiry.id == data["inquiry_id"])
    inquiry = db.session.scalar(query.order_by(Inquiry.id.desc()).limit(1))
    if inquiry is None:
        field = "inquiry_id" if data.get("inquiry_id") is not None else "buyer_id"
        raise ValidationFailed(
            errors={field: ["No inquiry from this buyer to your company: orders follow one."]}
        )
    _check_products(supplier_id, data["lines"])
    order = _new_order(
        creator=user,
        note=data.get("notes") or "",
        inquiry_id=inquiry.id,
        buyer_id=inquiry.buyer_id,
        supplier_id=supplier_id,
        currency=data["currency"],
        lines=_stored_lines(data["lines"]),
        incoterm=data["incoterm"],
        port_of_loading=data.get("port_of_loading"),
        destination_country=data.get("destination_country") or inquiry.destination_country,
        deposit_percent=data.get("deposit_percent", DEFAULT_DEPOSIT_PERCENT),
        ship_by=data.get("ship_by"),
        notes=data.get("notes") or "",
    )
    _announce_new(order, user)
    return order


# Changing the terms while proposed ----------------------------------------------------


def update_order(order: Order, user: User, data: Mapping[str, Any]) -> Order:
    """The supplier changes the proposal's terms (only while ``proposed``)."""
    _require_side(order, user, Side.SUPPLIER)
    values: dict[str, Any] = {name: data[name] for name in UPDATABLE if name in data}
    if "notes" in values:
        values["notes"] = values["notes"] or ""
    if "lines" in data:
        _check_products(order.supplier_id, data["lines"])
        lines = _stored_lines(data["lines"])
        values.update(lines=lines, total=lines_total(lines))
    if not _claim(order, (OrderStatus.PROPOSED,), **values):
        raise _conflict(order, "changed")
    _tell(
        _other_party(order, Side.SUPPLIER),
        order,
        "order.updated",
        lambda: _("Order %(number)s was updated", number=order.number),
        lambda: _(
            "%(company)s changed the terms of order %(number)s: now %(currency)s %(total)s.",
            company=order.supplier.name,
            number=order.number,
            currency=order.currency,
            total=money(order.total),
        ),
        email=False,
    )
    return order


# Moves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    name: str  # the audit action's suffix and the verb in messages
    to: OrderStatus
    sources: tuple[OrderStatus, ...]
    sides: tuple[Side, ...]
    stamp: str | None = None  # the timestamp column it sets


MOVES = {
    "confirm": Move(
        "confirm", OrderStatus.CONFIRMED, (OrderStatus.PROPOSED,), (Side.BUYER,), "confirmed_at"
    ),
    "start_production": Move(
        "start_production", OrderStatus.IN_PRODUCTION, (OrderStatus.CONFIRMED,), (Side.SUPPLIER,)
    ),
    "ship": Move(
        "ship", OrderStatus.SHIPPED, (OrderStatus.IN_PRODUCTION,), (Side.SUPPLIER,), "shipped_at"
    ),
    "deliver": Move(
        "deliver", OrderStatus.DELIVERED, (OrderStatus.SHIPPED,), (Side.BUYER,), "delivered_at"
    ),
    "complete": Move(
        "complete", OrderStatus.COMPLETED, (OrderStatus.DELIVERED,), (Side.BUYER,), "closed_at"
    ),
    "cancel": Move(
        "cancel",
        OrderStatus.CANCELLED,
        (OrderStatus.PROPOSED, OrderStatus.CONFIRMED),
        (Side.BUYER, Side.SUPPLIER),
        "closed_at",
    ),
    "dispute": Move(
        "dispute", OrderStatus.DISPUTED, (OrderStatus.SHIPPED, OrderStatus.DELIVERED), (Side.BUYER,)
    ),
}


def move(
    order: Order,
    user: User,
    name: str,
    *,
    note: str = "",
    tracking: Mapping[str, Any] | None = None,
) -> Order:
    """Apply the move ``name`` (see MOVES) for ``user``: 403 for the wrong side, 409 when
    the order is not in a state the move starts from (also when another request moved it
    a moment before)."""
    spec = MOVES[name]
    side = _require_side(order, user, *spec.sides)
    before = order.status
    now = utcnow()
    values: dict[str, Any] = {"status": spec.to}
    if spec.stamp:
        values[spec.stamp] = now
    if tracking is not None:
        values["tracking"] = {
            "carrier": tracking["carrier"],
            "reference": tracking["reference"],
            "container_number": tracking.get("container_number"),
        }
    if not _claim(order, spec.sources, now=now, **values):
        raise _conflict(order, STATUS_VERBS[spec.to])
    _after_move(
        order, user, spec.to, before=before, note=note, now=now, action=f"order.{spec.name}"
    )
    _tell_move(order, _other_party(order, side), actor_label=_party_label(order, side), note=note)
    return order


def resolve_dispute(order: Order, admin: User, *, outcome: str, note: str) -> Order:
    """An admin settles a dispute: the order becomes completed or cancelled."""
    if not admin.is_admin:
        raise Forbidden()
    to = OrderStatus(outcome)
    now = utcnow()
    if not _claim(order, (OrderStatus.DISPUTED,), now=now, status=to, closed_at=now):
        raise _conflict(order, "resolved")
    _after_move(
        order, admin, to, before=OrderStatus.DISPUTED, note=note, now=now, action="order.resolve"
    )
    _tell_move(order, _both_parties(order), actor_label=None, note=note)
    return order


def complete_due_orders(now: datetime | None = None) -> int:
    """Complete the orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago that nobody
    completed or disputed (celery beat); the same conditional UPDATE as the buyer's
    move, so a buyer's concurrent dispute or completion wins cleanly.  Returns how many."""
    now = now or utcnow()
    days = current_app.config["ORDER_AUTO_COMPLETE_DAYS"]
    cutoff = now - timedelta(days=days)
    due = list(
        db.session.scalars(
            sa.select(Order.id)
            .where(Order.status == OrderStatus.DELIVERED, Order.delivered_at <= cutoff)
            .order_by(Order.id)
            .limit(AUTO_COMPLETE_BATCH)
        )
    )
    done = 0
    for order_id in due:
        order = db.session.get_one(Order, order_id)
        claimed = _claim(
            order,
            (OrderStatus.DELIVERED,),
            Order.delivered_at <= cutoff,
            now=now,
            status=OrderStatus.COMPLETED,
            closed_at=now,
        )
        if not claimed:
            continue
        note = f"Completed automatically {days} days after delivery."
        _after_move(
            order,
            None,
            OrderStatus.COMPLETED,
            before=OrderStatus.DELIVERED,
            note=note,
            now=now,
            action="order.auto_complete",
        )
        _tell_move(order, _both_parties(order), actor_label=None, note=note)
        done += 1
    return done


STATUS_VERBS = {
    OrderStatus.CONFIRMED: "confirmed",
    OrderStatus.IN_PRODUCTION: "put in production",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.DELIVERED: "marked delivered",
    OrderStatus.COMPLETED: "completed",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.DISPUTED: "disputed",
}


def _claim(order: Order, sources: tuple[OrderStatus, ...], *conditions, now=None, **values) -> bool:
    """``UPDATE orders SET ... WHERE id = :id AND status IN :sources``; True when it hit
    the row.  The order is refreshed either way (it shows what is stored now)."""
    result = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status.in_(sources), *conditions)
        .values(updated_at=now or utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    return rowcount(result) == 1


def _conflict(order: Order, verb: str) -> Conflict:
    return Conflict(f"This order is {order.status.value}; it cannot be {verb} now.")


def _after_move(
    order: Order,
    actor: User | None,
    to: OrderStatus,
    *,
    before: OrderStatus,
    note: str,
    now: datetime,
    action: str,
) -> None:
    db.session.add(
        OrderEvent(
            order_id=order.id, status=to, at=now, by_id=actor.id if actor else None, note=note
        )
    )
    record(
        action,
        order,
        actor=actor,
        before=before,
        after=to,
        reason=note or None,
        target_type="order",
        details={"number": order.number},
    )
    db.session.flush()
    db.session.refresh(order)


# Telling the other party ---------------------------------------------------------------


def money(value: Decimal | str) -> str:
    from marketplace.fields import format_money

    return format_money(Decimal(value))


def _other_party(order: Order, side: Side) -> list[User]:
    if side == Side.BUYER:
        return supplier_members(order.supplier_id)
    return [order.buyer]


def _both_parties(order: Order) -> list[User]:
    return [order.buyer, *supplier_members(order.supplier_id)]


def _party_label(order: Order, side: Side) -> str:
    if side == Side.SUPPLIER:
        return order.supplier.name
    return order.buyer.company_name or order.buyer.name


def order_link(order: Order, user: User) -> str:
    if user.role == Role.BUYER:
        return f"/buyer/orders/{order.id}"
    return f"/dashboard/orders/{order.id}"


def _tell(
    users: Iterable[User],
    order: Order,
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str],
    *,
    email: bool = True,
) -> None:
    """One notification (and e-mail) per user, written in the user's language."""
    for user in users:
        with force_locale(user.locale or "en"):
            notify(
                [user],
                kind,
                title(),
                body(),
                link=order_link(order, user),
                subject={"order_id": order.id, "number": order.number},
                email=email,
            )


def _tell_move(order: Order, users: Iterable[User], *, actor_label: str | None, note: str) -> None:
    status = order.status

    def body() -> str:
        who = actor_label or _("The platform")
        parts = [
            _(
                "%(who)s moved order %(number)s (%(currency)s %(total)s) to: %(status)s.",
                who=who,
                number=order.number,
                currency=order.currency,
                total=money(order.total),
                status=str(STATUS_LABELS[status]),
            )
        ]
        if status == OrderStatus.SHIPPED and order.tracking:
            parts.append(
                _(
                    "Carrier: %(carrier)s, reference: %(reference)s.",
                    carrier=order.tracking["carrier"],
                    reference=order.tracking["reference"],
                )
            )
        if note:
            parts.append(_("Note: %(note)s", note=note))
        return "\n\n".join(parts)

    _tell(
        users,
        order,
        f"order.{status.value}",
        lambda: _(
            "Order %(number)s is now %(status)s",
            number=order.number,
            status=str(STATUS_LABELS[status]),
        ),
        body,
    )


def _announce_new(order: Order, creator: User) -> None:
    side = side_of(order, creator)
    assert side is not None  # the creator is one of the parties
    label = _party_label(order, side)
    _tell(
        _other_party(order, side),
        order,
        "order.proposed",
        lambda: _("New order %(number)s from %(company)s", number=order.number, company=label),
        lambda: _(
            "%(company)s proposes order %(number)s: %(currency)s %(total)s, %(incoterm)s. "
            "Review its terms; the buyer confirms them.",
            company=label,
            number=order.number,
            currency=order.currency,
            total=money(order.total),
            incoterm=order.incoterm,
        ),
    )

"""Inquiry operations: create, list, read, the message thread, close.

Who sees an inquiry: its buyer, the members of the supplier it was sent to, and admins;
to everyone else it does not exist (404).  Only the two parties write to it (admins read).
A buyer can reach a supplier only through an inquiry they created: messages are always
posted to an inquiry, never to a supplier.

States: ``open`` (waiting for the supplier) -> ``replied`` (the supplier's first message,
which also stamps ``first_response_at``) -> ``closed`` (either party; refuses messages).
The moves are conditional UPDATEs, so two requests racing (a reply and a close, two
members replying at once) settle on one outcome on SQLite and PostgreSQL alike.

Services flush, never commit; notifications and outbox e-mails join the caller's
transaction (see marketplace.notifications).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product
from marketplace.db import rowcount, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.inquiries.models import Inquiry, InquiryMessage, InquiryStatus, Side
from marketplace.inquiries.signals import response_metrics_changed
from marketplace.notifications.services import notify
from marketplace.pagination import decode_cursor, encode_cursor, paginate_by_id
from marketplace.permissions import is_member_of
from marketplace.suppliers.models import Supplier, SupplierStatus

EXCERPT_CHARS = 500  # of a message, in notifications and e-mails


# Who is who ---------------------------------------------------------------------------


def side_of(inquiry: Inquiry, user: User | None) -> Side | None:
    """The party ``user`` speaks for in this inquiry, or None (admins, everyone else)."""
    if user is None:
        return None
    if user.role == Role.BUYER and user.id == inquiry.buyer_id:
        return Side.BUYER
    if is_member_of(user, inquiry.supplier_id):
        return Side.SUPPLIER
    return None


def can_view(inquiry: Inquiry, user: User | None) -> bool:
    return side_of(inquiry, user) is not None or bool(user and user.is_admin)


def get_inquiry(inquiry_id: int, viewer: User) -> Inquiry:
    """The inquiry if ``viewer`` may see it (with its unread count); 404 otherwise."""
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or not can_view(inquiry, viewer):
        raise NotFound("Inquiry not found.")
    attach_unread_counts([inquiry], side_of(inquiry, viewer))
    return inquiry


def get_inquiry_as_party(inquiry_id: int, user: User) -> tuple[Inquiry, Side]:
    """For writes: the buyer or a member of the supplier. Admins may look but not write
    (403); anyone else is told it does not exist (404)."""
    inquiry = get_inquiry(inquiry_id, user)
    side = side_of(inquiry, user)
    if side is None:
        raise Forbidden("Only the buyer and the supplier can write to an inquiry.")
    return inquiry, side


# Creating -------------------------------------------------------------------------------


def resolve_target(buyer: User, supplier_id: int | None, product_id: int | None):
    """The supplier (and product) an inquiry goes to, as this buyer may see them."""
    product: Product | None = None
    if product_id is not None:
        product = catalog.get_product(product_id, buyer)  # 404 unless published and visible
        if supplier_id is not None and supplier_id != product.supplier_id:
            raise ValidationFailed(
                errors={"product_id": ["This product belongs to another supplier."]}
            )
        supplier_id = product.supplier_id
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or supplier.status != SupplierStatus.ACTIVE:
        raise NotFound("Supplier not found.")
    return supplier, product


def create_inquiry(buyer: User, data: Mapping[str, Any]) -> Inquiry:
    """A buyer's inquiry to one supplier; its text is the thread's first message.
    The supplier's members are notified (in-app and by e-mail)."""
    supplier, product = resolve_target(buyer, data.get("supplier_id"), data.get("product_id"))
    now = utcnow()
    currency = data.get("currency") or (product.currency if product else "USD")
    inquiry = Inquiry(
        buyer_id=buyer.id,
        supplier_id=supplier.id,
        product_id=product.id if product else None,
        quantity=data["quantity"],
        target_unit_price=data.get("target_unit_price"),
        currency=currency,
        destination_country=data["destination_country"],
        incoterm=data.get("incoterm"),
        message=data["message"],
        status=InquiryStatus.OPEN,
        created_at=now,
        updated_at=now,
        last_message_at=now,
    )
    db.session.add(inquiry)
    db.session.flush()
    first = InquiryMessage(
        inquiry_id=inquiry.id,
        sender_id=buyer.id,
        sender_side=Side.BUYER,
        body=data["message"],
        created_at=now,
    )
    db.session.add(first)
    db.session.flush()
    inquiry.buyer_last_read_id = first.id
    about = f" about {product.name} ({product.sku})" if product else ""
    notify(
        supplier_members(supplier.id),
        "inquiry.new",
        f"New inquiry from {_buyer_label(buyer)}{about}",
        _inquiry_summary(inquiry, buyer) + "\n\n" + _excerpt(data["message"]),
        link=f"/dashboard/inquiries/{inquiry.id}",
        subject={"inquiry_id": inquiry.id, "supplier_id": supplier.id},
    )
    db.session.flush()
    refresh_response_metrics(supplier)
    inquiry.unread_count = 0
    return inquiry


def supplier_members(supplier_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.supplier_id == supplier_id, User.role == Role.SUPPLIER)
            .order_by(User.id)
        )
    )


def refresh_response_metrics(supplier: Supplier) -> None:
    """Have the supplier's response rate recomputed after the commit (by
    marketplace.rfqs.metrics, which counts inquiries by ``created_at``, ``supplier_id`` and
    ``first_response_at``)."""
    response_metrics_changed.send(supplier)


# Lists ----------------------------------------------------------------------------------


def viewer_scope(viewer: User) -> tuple[sa.Select, Side | None]:
    """The inquiries ``viewer`` may list, and the side they read them as."""
    query = sa.select(Inquiry)
    if viewer.is_admin:
        return query, None
    if viewer.is_supplier_member:
        return query.where(Inquiry.supplier_id == viewer.supplier_id), Side.SUPPLIER
    if viewer.role == Role.BUYER:
        return query.where(Inquiry.buyer_id == viewer.id), Side.BUYER
    return query.where(sa.false()), None  # a supplier account that left its company


def _unread_messages(side: Side):
    """Messages of ``Inquiry`` the given side has not read (a correlated condition)."""
    last_read = Inquiry.buyer_last_read_id if side is Side.BUYER else Inquiry.supplier_last_read_id
    return sa.and_(
        InquiryMessage.inquiry_id == Inquiry.id,
        InquiryMessage.sender_side == side.other,
        InquiryMessage.id > last_read,
    )


def list_inquiries(
    viewer: User,
    *,
    status: InquiryStatus | None = None,
    unread: bool | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Newest first. Buyers: their own; supplier members: their company's; admins: all."""
    query, side = viewer_scope(viewer)
    if status is not None:
        query = query.where(Inquiry.status == status)
    if unread is not None and side is not None:
        has_unread = sa.exists().where(_unread_messages(side))
        query = query.where(has_unread if unread else ~has_unread)
    query = query.options(
        selectinload(Inquiry.buyer), selectinload(Inquiry.supplier), selectinload(Inquiry.product)
    )
    page = paginate_by_id(query, Inquiry, limit=limit, cursor=cursor, salt="inquiries")
    attach_unread_counts(page["items"], side)
    return page


def attach_unread_counts(inquiries: list[Inquiry], side: Side | None) -> None:
    """Set ``unread_count`` on each inquiry for a viewer on ``side`` (one query)."""
    if side is None:
        for inquiry in inquiries:
            inquiry.unread_count = None
        return
    counts: dict[int, int] = {}
    if inquiries:
        counts = dict(
            db.session.execute(
                sa.select(InquiryMessage.inquiry_id, sa.func.count())
                .join(Inquiry, Inquiry.id == InquiryMessage.inquiry_id)
                .where(
                    InquiryMessage.inquiry_id.in_([i.id for i in inquiries]),
                    _unread_messages(side),
                )
                .group_by(InquiryMessage.inquiry_id)
            )
            .tuples()
            .all()
        )
    for inquiry in inquiries:
        inquiry.unread_count = counts.get(inquiry.id, 0)


def unread_inquiry_count(viewer: User) -> int:
    """How many of the viewer's inquiries have unread messages (for badges)."""
    query, side = viewer_scope(viewer)
    if side is None:
        return 0
    subquery = query.where(sa.exists().where(_unread_messages(side))).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(subquery)) or 0


# The thread -----------------------------------------------------------------------------


def list_messages(
    inquiry: Inquiry, viewer: User, *, limit: int = 20, cursor: str | None = None
) -> dict[str, Any]:
    """The thread, oldest first, with keyset cursors."""
    query = (
        sa.select(InquiryMessage)
        .where(InquiryMessage.inquiry_id == inquiry.id)
        .options(selectinload(InquiryMessage.sender))
        .order_by(InquiryMessage.id)
    )
    if cursor:
        (last_id,) = decode_cursor(cursor, salt="inquiry-messages", length=1)
        if not isinstance(last_id, int):
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
        query = query.where(InquiryMessage.id > last_id)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    items = rows[:limit]
    next_cursor = (
        encode_cursor([items[-1].id], salt="inquiry-messages") if len(rows) > limit else None
    )
    mark_unread_flags(inquiry, items, side_of(inquiry, viewer))
    return {"items": items, "next_cursor": next_cursor}


def thread_messages(inquiry: Inquiry, viewer: User, *, limit: int = 500) -> list[InquiryMessage]:
    """The newest ``limit`` messages, oldest first (for pages, which show the thread whole)."""
    rows = list(
        db.session.scalars(
            sa.select(InquiryMessage)
            .where(InquiryMessage.inquiry_id == inquiry.id)
            .options(selectinload(InquiryMessage.sender))
            .order_by(InquiryMessage.id.desc())
            .limit(limit)
        )
    )
    rows.reverse()
    mark_unread_flags(inquiry, rows, side_of(inquiry, viewer))
    return rows


def mark_unread_flags(
    inquiry: Inquiry, messages: Iterable[InquiryMessage], side: Side | None
) -> None:
    last_read = inquiry.last_read_id(side) if side else 0
    for message in messages:
        message.unread = bool(side and message.sender_side == side.other and message.id > last_read)


def post_message(inquiry: Inquiry, sender: User, side: Side, body: str) -> InquiryMessage:
    """Add a message; the other party is notified. A closed inquiry refuses it (409).

    The supplier's first message stamps ``first_response_at`` and moves the inquiry to
    ``replied``.
    """
    now = utcnow()
    # Conditional: a close that commits first wins, and this message is refused.
    touched = db.session.execute(
        sa.update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.status != InquiryStatus.CLOSED)
        .values(last_message_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(touched) != 1:
        raise Conflict("This inquiry is closed; no more messages can be sent.")
    message = InquiryMessage(
        inquiry_id=inquiry.id, sender_id=sender.id, sender_side=side, body=body, created_at=now
    )
    db.session.add(message)
    db.session.flush()
    # Writing a message means having read the thread up to it.
    last_read = Inquiry.buyer_last_read_id if side is Side.BUYER else Inquiry.supplier_last_read_id
    db.session.execute(
        sa.update(Inquiry)
        .where(Inquiry.id == inquiry.id, last_read < message.id)
        .values({last_read: message.id})
        .execution_options(synchronize_session=False)
    )
    first_response = False
    if side is Side.SUPPLIER:
        stamped = db.session.execute(
            sa.update(Inquiry)
            .where(Inquiry.id == inquiry.id, Inquiry.first_response_at.is_(None))
            # Not closed (checked above, under this transaction's lock) and never
            # answered: the inquiry is open.
            .values(first_response_at=now, status=InquiryStatus.REPLIED)
            .execution_options(synchronize_session=False)
        )
        first_response = rowcount(stamped) == 1
    db.session.refresh(inquiry)
    buyer = inquiry.buyer
    if side is Side.SUPPLIER:
        notify(
            [buyer],
            "inquiry.reply",
            f"{inquiry.supplier.name} replied to your inquiry #{inquiry.id}",
            _excerpt(body),
            link=f"/buyer/inquiries/{inquiry.id}",
            subject={"inquiry_id": inquiry.id, "message_id": message.id},
        )
    else:
        notify(
            supplier_members(inquiry.supplier_id),
            "inquiry.message",
            f"New message from {_buyer_label(buyer)} on inquiry #{inquiry.id}",
            _excerpt(body),
            link=f"/dashboard/inquiries/{inquiry.id}",
            subject={"inquiry_id": inquiry.id, "message_id": message.id},
        )
    db.session.flush()
    if first_response:
        refresh_response_metrics(inquiry.supplier)
    message.unread = False
    return message


def close_inquiry(inquiry: Inquiry, user: User, side: Side) -> Inquiry:
    """Either party closes the inquiry (409 when it is closed already); the other party
    is told in the app."""
    now = utcnow()
    closed = db.session.execute(
        sa.update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.status != InquiryStatus.CLOSED)
        .values(status=InquiryStatus.CLOSED, closed_at=now, closed_by_id=user.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(closed) != 1:
        raise Conflict("This inquiry is already closed.")
    db.session.refresh(inquiry)
    if side is Side.BUYER:
        recipients = supplier_members(inquiry.supplier_id)
        title = f"{_buyer_label(inquiry.buyer)} closed inquiry #{inquiry.id}"
        link = f"/dashboard/inquiries/{inquiry.id}"
    else:
        recipients = [inquiry.buyer]
        title = f"{inquiry.supplier.name} closed your inquiry #{inquiry.id}"
        link = f"/buyer/inquiries/{inquiry.id}"
    notify(
        recipients,
        "inquiry.closed",
        title,
        link=link,
        subject={"inquiry_id": inquiry.id},
        email=False,
    )
    db.session.flush()
    attach_unread_counts([inquiry], side)
    return inquiry


def mark_read(inquiry: Inquiry, side: Side) -> Inquiry:
    """Mark every message so far read for the viewer's side (the supplier's members
    share one inbox: one member reading marks it read for the company)."""
    newest = db.session.scalar(
        sa.select(sa.func.max(InquiryMessage.id)).where(InquiryMessage.inquiry_id == inquiry.id)
    )
    last_read = Inquiry.buyer_last_read_id if side is Side.BUYER else Inquiry.supplier_last_read_id
    if newest is not None:
        db.session.execute(
            sa.update(Inquiry)
            .where(Inquiry.id == inquiry.id, last_read < newest)
            .values({last_read: newest})
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(inquiry)
    attach_unread_counts([inquiry], side)
    return inquiry


# Text of notifications ------------------------------------------------------------------


def _buyer_label(buyer: User) -> str:
    return f"{buyer.name} ({buyer.company_name})" if buyer.company_name else buyer.name


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _inquiry_summary(inquiry: Inquiry, buyer: User) -> str:
    lines = [
        f"Quantity: {inquiry.quantity:,} pairs",
        f"Destination: {inquiry.destination_country}"
        + (f", {inquiry.incoterm}" if inquiry.incoterm else ""),
    ]
    if inquiry.target_unit_price is not None:
        from marketplace.fields import format_money

        lines.append(f"Target price: {inquiry.currency} {format_money(inquiry.target_unit_price)}")
    if buyer.country:
        lines.append(f"Buyer's country: {buyer.country}")
    return "\n".join(lines)


def count_recent_inquiries(supplier_id: int, *, days: int) -> int:
    """Inquiries a supplier received in the last ``days`` days (the supplier's stats)."""
    since = utcnow() - timedelta(days=days)
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Inquiry)
            .where(Inquiry.supplier_id == supplier_id, Inquiry.created_at >= since)
        )
        or 0
    )

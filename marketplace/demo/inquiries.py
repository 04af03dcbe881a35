"""Demo inquiries: every demo buyer has asked a few factories, in every state (waiting,
answered in time, answered late, closed), with short threads.  Run after the companies,
catalog and buyers exist (``load_inquiry_demo()``; it flushes, the caller commits).

The threads and their texts are in ``data/inquiries.toml``. Through the services, like
the rest of the demo (the supplier's first message stamps ``first_response_at``); then
the times are moved into the past so the response rates look like a real month.
Idempotent: a buyer who has inquiries already gets no more. The e-mails the services
queue are dropped (the in-app notifications stay): seeding must never mail anyone.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.demo.loader import Inquiries, Thread, demo_data
from marketplace.extensions import db
from marketplace.inquiries import services
from marketplace.inquiries.models import Inquiry, InquiryMessage, Side
from marketplace.notifications.models import OutboxEmail
from marketplace.rfqs.metrics import refresh_supplier_metrics
from marketplace.suppliers.models import Supplier, SupplierStatus


def load_inquiry_demo() -> Counter:
    """Create the demo inquiries that are missing; counts by state."""
    made: Counter = Counter()
    last_email = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0
    targets = _targets()
    if not targets:
        return made
    buyers = list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.BUYER, User.email.like("%.example"))
            .order_by(User.id)
        )
    )
    now = utcnow()
    texts = demo_data().inquiries
    threads = texts.threads
    for b, buyer in enumerate(buyers):
        if db.session.scalar(sa.select(Inquiry.id).where(Inquiry.buyer_id == buyer.id).limit(1)):
            continue
        for p, thread in enumerate(threads):
            product = targets[(b * len(threads) + p) % len(targets)]
            _one(texts, buyer, product, thread, now - timedelta(hours=thread.sent_hours_ago), b + p)
            made[thread.state] += 1
    db.session.flush()
    # No demo e-mail ever leaves: drop what the services queued.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > last_email))
    for supplier_id in {product.supplier_id for product in targets}:
        refresh_supplier_metrics(db.session.get_one(Supplier, supplier_id))
    db.session.flush()
    return made


def _targets() -> list[Product]:
    """One published product per active demo supplier."""
    products = db.session.scalars(
        sa.select(Product)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(Product.status == ProductStatus.PUBLISHED, Supplier.status == SupplierStatus.ACTIVE)
        .order_by(Product.supplier_id, Product.id)
    )
    first: dict[int, Product] = {}
    for product in products:
        first.setdefault(product.supplier_id, product)
    return list(first.values())


def _one(
    texts: Inquiries, buyer: User, product: Product, thread: Thread, sent_at: datetime, n: int
) -> None:
    state, reply_after = thread.state, thread.first_reply_after_hours
    qty = max(product.moq, (3 + n % 4) * 1000)
    incoterm = ("FOB", "CIF", "EXW", "DDP")[n % 4]
    words = {
        "product": product.name,
        "qty": qty,
        "incoterm": incoterm,
        "country": buyer.country or "US",
        "currency": product.currency,
        "price": product.unit_price_at(qty) or "1.00",
    }
    inquiry = services.create_inquiry(
        buyer,
        {
            "product_id": product.id,
            "quantity": qty,
            "destination_country": buyer.country or "US",
            "incoterm": incoterm,
            "message": texts.questions[n % len(texts.questions)].format(**words),
        },
    )
    members = services.supplier_members(product.supplier_id)
    if reply_after is not None and members:
        reply = texts.replies[n % len(texts.replies)].format(**words)
        services.post_message(inquiry, members[0], Side.SUPPLIER, reply)
        for follow_up in texts.follow_ups[: thread.follow_ups] if state != "closed" else ():
            side = Side(follow_up.side)
            sender = buyer if side is Side.BUYER else members[-1]
            services.post_message(inquiry, sender, side, follow_up.text)
    if state == "closed":
        services.post_message(inquiry, buyer, Side.BUYER, texts.withdrawn)
        services.close_inquiry(inquiry, buyer, Side.BUYER)
    _backdate(inquiry, sent_at, reply_after)


def _backdate(inquiry: Inquiry, sent_at, reply_after) -> None:
    """Spread the thread over time: sent at ``sent_at``, first reply ``reply_after``
    hours later, then an hour between messages."""
    messages = list(
        db.session.scalars(
            sa.select(InquiryMessage)
            .where(InquiryMessage.inquiry_id == inquiry.id)
            .order_by(InquiryMessage.id)
        )
    )
    at = sent_at
    for index, message in enumerate(messages):
        if index == 1 and reply_after is not None:
            at = sent_at + timedelta(hours=reply_after)
        elif index > 1:
            at = at + timedelta(hours=1)
        message.created_at = at
    inquiry.created_at = sent_at
    inquiry.updated_at = inquiry.last_message_at = at
    if inquiry.first_response_at is not None:
        inquiry.first_response_at = sent_at + timedelta(hours=reply_after)
    if inquiry.closed_at is not None:
        inquiry.closed_at = at + timedelta(hours=1)
        inquiry.updated_at = inquiry.closed_at
    # The supplier has read everything but the newest open questions.
    if inquiry.status.value != "open":
        inquiry.supplier_last_read_id = max(m.id for m in messages)

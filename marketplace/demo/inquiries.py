"""Demo inquiries: every demo buyer has asked a few factories, in every state (waiting,
answered in time, answered late, closed), with short threads.  Run after the companies,
catalog and buyers exist (``load_inquiry_demo()``; it flushes, the caller commits).

Through the services, like the rest of the demo (the supplier's first message stamps
``first_response_at``); then the times are moved into the past so the response rates
look like a real month.  Idempotent: a buyer who has inquiries already gets no more.
The e-mails the services queue are dropped (the in-app notifications stay): seeding
must never mail anyone.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.inquiries import services
from marketplace.inquiries.models import Inquiry, InquiryMessage, Side
from marketplace.notifications.models import OutboxEmail
from marketplace.rfqs.metrics import refresh_supplier_metrics
from marketplace.suppliers.models import Supplier, SupplierStatus

# (state, hours ago it was sent, hours to the first reply or None, replies after that)
PLAN = (
    ("replied", 72, 3, 2),
    ("open", 2, None, 0),
    ("closed", 240, 30, 1),  # answered late, then closed by the buyer
    ("replied", 20, 9, 0),
    ("open", 50, None, 0),  # unanswered for more than a day: counts against the rate
)
QUESTIONS = (
    "Hello, we are interested in {product}. Please quote {qty:,} pairs {incoterm}, "
    "delivery to {country}. What is your lead time, and can you print our logo?",
    "Could you send 2 samples of {product} in sizes 38 and 42? We would order {qty:,} "
    "pairs per colour if the quality is right.",
    "We need {qty:,} pairs for our hotel group, with individual packing. Is {product} "
    "available in white and grey?",
)
REPLIES = (
    "Thank you for your inquiry. For {qty:,} pairs our price is {currency} {price} {incoterm} "
    "Xiamen, lead time 30-35 days after deposit. Logo printing is included.",
    "Samples can be ready in 5 days; sample cost is refunded with the first order.",
    "We can do white and grey. Individual OPP bag packing costs USD 0.03 a pair more.",
)
FOLLOW_UPS = (
    (Side.BUYER, "Thanks, that works for us. Please send the proforma invoice."),
    (
        Side.SUPPLIER,
        "Proforma invoice sent to your e-mail: 30% deposit, balance before shipment.",
    ),
)
WITHDRAWN = "Understood. We found another supplier for this season; thank you for your time."


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
    for b, buyer in enumerate(buyers):
        if db.session.scalar(sa.select(Inquiry.id).where(Inquiry.buyer_id == buyer.id).limit(1)):
            continue
        for p, (state, hours_ago, reply_after, replies) in enumerate(PLAN):
            product = targets[(b * len(PLAN) + p) % len(targets)]
            _one(
                buyer, product, state, now - timedelta(hours=hours_ago), reply_after, replies, b + p
            )
            made[state] += 1
    db.session.flush()
    # No demo e-mail ever leaves: drop what the services queued.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > last_email))
    for supplier_id in {product.supplier_id for product in targets}:
        refresh_supplier_metrics(db.session.get(Supplier, supplier_id))
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


def _one(buyer, product, state, sent_at, reply_after, replies, n) -> None:
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
            "message": QUESTIONS[n % len(QUESTIONS)].format(**words),
        },
    )
    members = services.supplier_members(product.supplier_id)
    if reply_after is not None and members:
        services.post_message(
            inquiry, members[0], Side.SUPPLIER, REPLIES[n % len(REPLIES)].format(**words)
        )
        for side, text in FOLLOW_UPS[:replies] if state != "closed" else ():
            sender = buyer if side is Side.BUYER else members[-1]
            services.post_message(inquiry, sender, side, text)
    if state == "closed":
        services.post_message(inquiry, buyer, Side.BUYER, WITHDRAWN)
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

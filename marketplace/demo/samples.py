"""Demo sample requests: the demo buyers have asked several factories for samples, one
request in each state (waiting for terms, terms sent, accepted, shipped, received,
declined, cancelled).  Run after the companies, catalog and buyers exist
(``load_sample_demo()``; it flushes, the caller commits).

Through the services, like the rest of the demo (each move is audited and notifies the
other party in the app); then the times are moved back so the requests look a few days
old.  Idempotent: a buyer who has sample requests already gets no more.  The e-mails the
services queue are dropped: seeding must never mail anyone.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.inquiries.services import supplier_members
from marketplace.notifications.models import OutboxEmail
from marketplace.samples import services
from marketplace.samples.models import SampleRequest, SampleStatus
from marketplace.suppliers.models import Supplier, SupplierStatus

# (state, the moves that reach it, days ago it was sent) in the order requests are made.
PLAN = [
    (SampleStatus.REQUESTED, [], 1),
    (SampleStatus.QUOTED, ["quote"], 3),
    (SampleStatus.ACCEPTED, ["quote", "accept"], 6),
    (SampleStatus.SHIPPED, ["quote", "accept", "ship"], 10),
    (SampleStatus.RECEIVED, ["quote", "accept", "ship", "receive"], 20),
    (SampleStatus.DECLINED, ["decline"], 8),
    (SampleStatus.CANCELLED, ["quote", "cancel"], 12),
]
REQUESTS_PER_BUYER = 2
NOTES = [
    "Please send the sizes we marked; we will check the fit and the print quality.",
    "Samples for our buyers' meeting next month. Logo samples welcome if you have them.",
    "Two pairs per size please, packed as for retail (polybag and hangtag).",
]
CARRIERS = [("DHL", "JD0146000{n:05d}"), ("SF Express", "SF14{n:08d}"), ("FedEx", "7712{n:08d}")]


def load_sample_demo() -> Counter:
    """Create the demo sample requests that are missing; counts by state."""
    made: Counter = Counter()
    targets = _targets()
    if not targets:
        return made
    last_email = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0
    buyers = list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.BUYER, User.email.like("%.example"))
            .order_by(User.id)
        )
    )
    now = utcnow()
    n = 0
    for b, buyer in enumerate(buyers):
        has_some = db.session.scalar(
            sa.select(SampleRequest.id).where(SampleRequest.buyer_id == buyer.id).limit(1)
        )
        if has_some:
            continue
        for r in range(REQUESTS_PER_BUYER):
            state, moves, days_ago = PLAN[(b * REQUESTS_PER_BUYER + r) % len(PLAN)]
            product = targets[(b + r * 3) % len(targets)]
            members = supplier_members(product.supplier_id)
            if not members:
                continue
            _one(buyer, product, members[0], moves, n)
            _backdate(now - timedelta(days=days_ago), n)
            made[state.value] += 1
            n += 1
    db.session.flush()
    # No demo e-mail ever leaves: drop what the services queued.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > last_email))
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


def _one(buyer: User, product: Product, member: User, moves: list[str], n: int) -> None:
    sample = services.create_sample_request(
        buyer,
        {
            "product_id": product.id,
            "quantity_pairs": (2, 3, 4, 6)[n % 4],
            "sizes": [["38", "40"], ["37", "39", "41"], ["42"]][n % 3],
            "colors": [["black"], ["pink", "grey"], []][n % 3],
            "note": NOTES[n % len(NOTES)],
            "destination_country": buyer.country or "US",
        },
    )
    carrier, reference = CARRIERS[n % len(CARRIERS)]
    bodies: dict[str, dict[str, Any]] = {
        "quote": {
            "fee": (Decimal("0"), Decimal("15"), Decimal("25"))[n % 3],
            "shipping_fee": (Decimal("35"), Decimal("0"), Decimal("48.5"))[n % 3],
            "currency": "USD",
            "ready_in_days": (3, 5, 7)[n % 3],
        },
        "ship": {"carrier": carrier, "reference": reference.format(n=n + 1)},
        "decline": {"reason": "This model is being retooled; samples from next month."},
    }
    for name in moves:
        actor = member if services.MOVES[name].side == services.SUPPLIER else buyer
        services.move(sample, actor, name, bodies.get(name))


def _backdate(sent_at, n: int) -> None:
    """Move the newest request's times back: sent at ``sent_at``, a day between moves."""
    sample = db.session.scalars(
        sa.select(SampleRequest).order_by(SampleRequest.id.desc()).limit(1)
    ).one()
    sample.created_at = sent_at
    at = sent_at
    for stamp in ("quoted_at", "accepted_at", "shipped_at", "received_at"):
        if getattr(sample, stamp) is not None:
            at = at + timedelta(days=1)
            setattr(sample, stamp, at)
    for stamp in ("declined_at", "cancelled_at"):
        if getattr(sample, stamp) is not None:
            at = at + timedelta(days=1)
            setattr(sample, stamp, at)
    sample.updated_at = at

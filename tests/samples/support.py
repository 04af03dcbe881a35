"""Helpers for the sample request tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace import transaction
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.samples import services
from marketplace.samples.models import SampleRequest, SampleStatus

SAMPLES = "/api/v1/sample-requests"

QUOTE = {"fee": "15.00", "shipping_fee": 0, "currency": "USD", "ready_in_days": 5}
SHIP = {"carrier": "DHL", "reference": "JD014600006281"}
DECLINE = {"reason": "This model is out of production."}
BODIES: dict[str, dict[str, Any] | None] = {
    "quote": QUOTE,
    "accept": None,
    "ship": SHIP,
    "receive": None,
    "decline": DECLINE,
    "cancel": None,
}
# The moves that lead to each state from ``requested``, and who makes them.
PATHS = {
    SampleStatus.REQUESTED: [],
    SampleStatus.QUOTED: ["quote"],
    SampleStatus.ACCEPTED: ["quote", "accept"],
    SampleStatus.SHIPPED: ["quote", "accept", "ship"],
    SampleStatus.RECEIVED: ["quote", "accept", "ship", "receive"],
    SampleStatus.DECLINED: ["decline"],
    SampleStatus.CANCELLED: ["cancel"],
}


def sample_body(product, **overrides) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "quantity_pairs": 4,
        "sizes": ["38", "40"],
        "colors": ["black", "pink"],
        "note": "Please include your logo options.",
        "destination_country": "PH",
    } | overrides


def make_sample(buyer, product, status=SampleStatus.REQUESTED, *, member) -> SampleRequest:
    """A sample request of ``buyer`` for ``product``, moved to ``status`` through the
    services (``member``: a member of the product's supplier), committed."""
    sample = services.create_sample_request(
        buyer, {**sample_body(product), "sizes": ["38"], "colors": ["black"]}
    )
    for name in PATHS[status]:
        actor = member if services.MOVES[name].side == services.SUPPLIER else buyer
        services.move(sample, actor, name, BODIES[name])
    transaction.commit()
    return sample


def row(sample_id: int) -> SampleRequest:
    db.session.expire_all()
    return db.session.get(SampleRequest, sample_id)


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (SampleRequest, Notification, OutboxEmail, AuditEntry)
    }


def audit_rows(sample_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.target_type == "sample_request", AuditEntry.target_id == sample_id)
            .order_by(AuditEntry.id)
        )
    )


def emails_to(address: str) -> list[OutboxEmail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        )
    )

"""Sample requests: a buyer asks the supplier of a public product for a few sample pairs.

States (``services`` moves them, each move one conditional UPDATE)::

    requested --quote (supplier)--> quoted --accept (buyer)--> accepted
        --ship (supplier, tracking)--> shipped --receive (buyer)--> received
    requested --decline (supplier, reason)--> declined
    requested | quoted --cancel (buyer)--> cancelled
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product
    from marketplace.suppliers.models import Supplier


class SampleStatus(enum.StrEnum):
    REQUESTED = "requested"  # waiting for the supplier's terms
    QUOTED = "quoted"  # the supplier set the fees (0 = free) and the lead time
    ACCEPTED = "accepted"  # the buyer agreed to the terms
    SHIPPED = "shipped"  # on its way, with a tracking reference
    RECEIVED = "received"  # the buyer has the samples
    DECLINED = "declined"  # the supplier will not send samples (with a reason)
    CANCELLED = "cancelled"  # the buyer withdrew the request


FINAL_STATUSES = frozenset({SampleStatus.RECEIVED, SampleStatus.DECLINED, SampleStatus.CANCELLED})


class SampleRequest(IdMixin, TimestampMixin, Model):
    __tablename__ = "sample_requests"
    __table_args__ = (
        sa.Index("ix_sample_requests_buyer_id_id", "buyer_id", "id"),
        sa.Index("ix_sample_requests_supplier_id_id", "supplier_id", "id"),
        sa.CheckConstraint("quantity_pairs > 0", name="quantity_pairs_positive"),
        sa.CheckConstraint("fee IS NULL OR fee >= 0", name="fee_not_negative"),
        sa.CheckConstraint(
            "shipping_fee IS NULL OR shipping_fee >= 0", name="shipping_fee_not_negative"
        ),
    )

    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    quantity_pairs: Mapped[int]
    sizes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    colors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[SampleStatus] = mapped_column(
        enum_column(SampleStatus, name="samplestatus"),
        default=SampleStatus.REQUESTED,
        server_default=SampleStatus.REQUESTED.value,
        index=True,
    )
    # The supplier's terms (set by the quote).
    fee: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    shipping_fee: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    ready_in_days: Mapped[int | None]
    # Set by the shipment.
    tracking_carrier: Mapped[str | None] = mapped_column(sa.String(100))
    tracking_reference: Mapped[str | None] = mapped_column(sa.String(100))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    quoted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])
    supplier: Mapped[Supplier] = relationship()
    product: Mapped[Product | None] = relationship()

    def __repr__(self) -> str:
        return f"<SampleRequest {self.id} product={self.product_id} {self.status}>"

    @property
    def tracking(self) -> dict[str, str] | None:
        if self.tracking_reference is None:
            return None
        return {"carrier": self.tracking_carrier or "", "reference": self.tracking_reference}

    @property
    def total_fee(self) -> Decimal | None:
        if self.fee is None or self.shipping_fee is None:
            return None
        return self.fee + self.shipping_fee

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

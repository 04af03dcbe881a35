"""Inquiries: a buyer's question to one supplier (optionally about one of its products),
and the message thread between the buyer and the supplier's members."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column, utcnow
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product
    from marketplace.suppliers.models import Supplier


class InquiryStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the supplier's first reply
    REPLIED = "replied"  # the supplier has answered at least once
    CLOSED = "closed"  # either party closed it; no more messages


class Side(enum.StrEnum):
    """The two parties of a thread: the buyer, and the supplier company (any member)."""

    BUYER = "buyer"
    SUPPLIER = "supplier"

    @property
    def other(self) -> Side:
        return Side.SUPPLIER if self is Side.BUYER else Side.BUYER


class Inquiry(IdMixin, TimestampMixin, Model):
    __tablename__ = "inquiries"
    __table_args__ = (
        sa.Index("ix_inquiries_buyer_id_id", "buyer_id", "id"),
        sa.Index("ix_inquiries_supplier_id_id", "supplier_id", "id"),
        # The response-rate window: a supplier's inquiries of the last N days.
        sa.Index("ix_inquiries_supplier_id_created_at", "supplier_id", "created_at"),
    )

    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    quantity: Mapped[int]
    target_unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    currency: Mapped[str] = mapped_column(sa.String(3))
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    incoterm: Mapped[str | None] = mapped_column(sa.String(3))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[InquiryStatus] = mapped_column(
        enum_column(InquiryStatus, name="inquirystatus"),
        default=InquiryStatus.OPEN,
        server_default=InquiryStatus.OPEN.value,
        index=True,
    )
    # Set once, by the supplier's first message (the response metrics read it).
    first_response_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Read tracking per side: the newest message id each side has marked read.
    buyer_last_read_id: Mapped[int] = mapped_column(default=0, server_default="0")
    supplier_last_read_id: Mapped[int] = mapped_column(default=0, server_default="0")

    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])
    supplier: Mapped[Supplier] = relationship()
    product: Mapped[Product | None] = relationship()
    messages: Mapped[list[InquiryMessage]] = relationship(
        back_populates="inquiry",
        cascade="all, delete-orphan",
        order_by="InquiryMessage.id",
        passive_deletes=True,
    )

    # The viewer's unread count, attached by the service that loads the inquiry for a
    # viewer (None for admins, who are not a party).
    unread_count = None  # type: int | None

    def __repr__(self) -> str:
        return (
            f"<Inquiry {self.id} buyer={self.buyer_id} supplier={self.supplier_id} {self.status}>"
        )

    def last_read_id(self, side: Side) -> int:
        return self.buyer_last_read_id if side is Side.BUYER else self.supplier_last_read_id


class InquiryMessage(IdMixin, Model):
    """One message of a thread. The inquiry's opening text is its first message."""

    __tablename__ = "inquiry_messages"
    __table_args__ = (sa.Index("ix_inquiry_messages_inquiry_id_id", "inquiry_id", "id"),)

    inquiry_id: Mapped[int] = mapped_column(sa.ForeignKey("inquiries.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    sender_side: Mapped[Side] = mapped_column(enum_column(Side, name="inquiry_message_side"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry: Mapped[Inquiry] = relationship(back_populates="messages")
    sender: Mapped[User | None] = relationship()

    # For the viewer: from the other party and not yet marked read (set by the service).
    unread = False  # type: bool

    def __repr__(self) -> str:
        return f"<InquiryMessage {self.id} inquiry={self.inquiry_id} from {self.sender_side}>"

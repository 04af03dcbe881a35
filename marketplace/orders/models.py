"""Orders, their timeline of events, their documents and the per-year number counter.

Integrity rules the database itself enforces (both SQLite and PostgreSQL):

- one order per quotation (``uq_orders_quotation_id``; orders made from an inquiry have
  no quotation, and NULLs never collide);
- order numbers are unique (``uq_orders_number``) and drawn from ``order_number_counters``
  (one row per year, incremented by one conditional UPDATE: see ``numbering``).

The status moves are conditional UPDATEs (``services.move``), never read-then-write.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column, utcnow
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.suppliers.models import Supplier


class OrderStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"


class DocumentKind(enum.StrEnum):
    PROFORMA_INVOICE = "proforma_invoice"
    PACKING_LIST = "packing_list"
    INSPECTION_REPORT = "inspection_report"
    BILL_OF_LADING = "bill_of_lading"
    PHOTO = "photo"
    OTHER = "other"


class OrderNumberCounter(Model):
    """The last order number handed out in a year (``NK-<year>-<last>``)."""

    __tablename__ = "order_number_counters"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<OrderNumberCounter {self.year} {self.last}>"


class Order(IdMixin, TimestampMixin, Model):
    """A purchase order between one buyer and one supplier."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("number", name="uq_orders_number"),
        sa.UniqueConstraint("quotation_id", name="uq_orders_quotation_id"),
        sa.Index("ix_orders_buyer_id_id", "buyer_id", "id"),
        sa.Index("ix_orders_supplier_id_id", "supplier_id", "id"),
        sa.Index("ix_orders_status_delivered_at", "status", "delivered_at"),
        sa.CheckConstraint(
            "deposit_percent >= 0 AND deposit_percent <= 100", name="deposit_percent_range"
        ),
    )

    number: Mapped[str] = mapped_column(sa.String(20))
    quotation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quotations.id", ondelete="SET NULL")
    )
    rfq_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rfqs.id", ondelete="SET NULL"), index=True
    )
    inquiry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inquiries.id", ondelete="SET NULL"), index=True
    )
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, name="orderstatus"),
        default=OrderStatus.PROPOSED,
        server_default=OrderStatus.PROPOSED.value,
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    # [{"product_id": int|None, "description", "quantity", "unit_price": "1.25",
    #   "size_breakdown": {"36": 200, ...}|None}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    total: Mapped[Decimal] = mapped_column(sa.Numeric(20, 4))
    incoterm: Mapped[str] = mapped_column(sa.String(3))
    port_of_loading: Mapped[str | None] = mapped_column(sa.String(100))
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    deposit_percent: Mapped[int] = mapped_column(default=30, server_default="30")
    ship_by: Mapped[date | None]
    # {"carrier", "reference", "container_number"|None}, set when shipped.
    tracking: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    confirmed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # completed or cancelled

    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id], lazy="joined")
    supplier: Mapped[Supplier] = relationship(lazy="joined")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderEvent.id",
    )
    documents: Mapped[list[OrderDocument]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderDocument.id",
    )

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.number} {self.status}>"


class OrderEvent(IdMixin, Model):
    """One step of an order's timeline: the status it reached, when, by whom, and why."""

    __tablename__ = "order_events"

    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    order: Mapped[Order] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<OrderEvent {self.id} order={self.order_id} {self.status}>"


class OrderDocument(IdMixin, Model):
    """A file one of the parties attached to an order, kept privately in the storage."""

    __tablename__ = "order_documents"

    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, name="documentkind"))
    filename: Mapped[str] = mapped_column(sa.String(200))  # as the uploader named it
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # server-made
    content_type: Mapped[str] = mapped_column(sa.String(100))  # from the content
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="documents")

    def __repr__(self) -> str:
        return f"<OrderDocument {self.id} order={self.order_id} {self.kind} {self.filename!r}>"

"""RFQs broadcast to the cluster, the suppliers each one was matched to, and quotations.

Integrity rules the database itself enforces (both SQLite and PostgreSQL):

- one quotation per supplier per RFQ (``uq_quotations_rfq_id_supplier_id``);
- at most one accepted quotation per RFQ: a partial unique index on ``rfq_id`` where
  ``status = 'accepted'`` (``uq_quotations_one_accepted``);
- one match row per supplier per RFQ.

The status an RFQ shows is computed: a stored ``open`` RFQ whose ``quote_deadline`` has
passed is ``closed`` (see ``RFQ.effective_status`` and ``services.status_condition``).
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
    from marketplace.catalog.models import Category
    from marketplace.suppliers.models import Supplier


class RFQStatus(enum.StrEnum):
    OPEN = "open"
    AWARDED = "awarded"
    CLOSED = "closed"  # shown for an open RFQ past its quote deadline
    CANCELLED = "cancelled"


class QuotationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class RFQ(IdMixin, TimestampMixin, Model):
    """A buyer's request for quotation, broadcast to the suppliers that fit it."""

    __tablename__ = "rfqs"
    __table_args__ = (
        sa.Index("ix_rfqs_buyer_id_id", "buyer_id", "id"),
        sa.CheckConstraint("quotation_count >= 0", name="quotation_count_not_negative"),
    )

    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    # Names from the materials vocabulary, as the vocabulary spells them.
    materials: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    quantity: Mapped[int]
    target_unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    currency: Mapped[str] = mapped_column(sa.String(3))
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    incoterm: Mapped[str] = mapped_column(sa.String(3))
    needed_by: Mapped[date]
    quote_deadline: Mapped[datetime] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[RFQStatus] = mapped_column(
        enum_column(RFQStatus, name="rfqstatus"),
        default=RFQStatus.OPEN,
        server_default=RFQStatus.OPEN.value,
    )
    # Quotations holding one of the RFQ_MAX_QUOTATIONS places (all but withdrawn ones);
    # changed only by conditional UPDATEs, which is what makes the cap race-safe.
    quotation_count: Mapped[int] = mapped_column(default=0, server_default="0")
    matched_supplier_count: Mapped[int] = mapped_column(default=0, server_default="0")
    awarded_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    buyer: Mapped[User] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    matches: Mapped[list[RFQMatch]] = relationship(
        back_populates="rfq", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<RFQ {self.id} {self.title!r} {self.status}>"

    def is_past_deadline(self, now: datetime | None = None) -> bool:
        return self.quote_deadline <= (now or utcnow())

    def effective_status(self, now: datetime | None = None) -> RFQStatus:
        """What buyers and suppliers see: an open RFQ past its deadline is closed."""
        if self.status == RFQStatus.OPEN and self.is_past_deadline(now):
            return RFQStatus.CLOSED
        return self.status

    def is_taking_quotes(self, now: datetime | None = None) -> bool:
        return self.effective_status(now) == RFQStatus.OPEN


class RFQMatch(IdMixin, Model):
    """A supplier an RFQ was sent to, with how well it fits and why."""

    __tablename__ = "rfq_matches"
    __table_args__ = (
        sa.UniqueConstraint("rfq_id", "supplier_id", name="uq_rfq_matches_rfq_id_supplier_id"),
        # The supplier's inbox: best fit first.
        sa.Index("ix_rfq_matches_supplier_id_score", "supplier_id", "score", "rfq_id"),
    )

    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("rfqs.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    score: Mapped[int]  # 0-100
    # [{"code": "materials", "message": "rfq.match.materials.shared", "points": 25, "max": 25,
    #   "params": {...}}, ...]: sentences come from marketplace.messages (rfqs.reasons); rows
    # matched before it carry an English "text" instead of "message".
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The supplier's first quotation on the RFQ (response metrics).
    first_response_at: Mapped[datetime | None]
    # When the supplier's members were told of the RFQ (claimed once, by the job).
    notified_at: Mapped[datetime | None]

    rfq: Mapped[RFQ] = relationship(back_populates="matches")
    supplier: Mapped[Supplier] = relationship()

    def __repr__(self) -> str:
        return f"<RFQMatch {self.id} rfq={self.rfq_id} supplier={self.supplier_id} {self.score}>"


class Quotation(IdMixin, TimestampMixin, Model):
    """A supplier's offer on an RFQ; posting again revises it (``revision`` + 1)."""

    __tablename__ = "quotations"
    __table_args__ = (
        sa.UniqueConstraint("rfq_id", "supplier_id", name="uq_quotations_rfq_id_supplier_id"),
        sa.Index(
            "uq_quotations_one_accepted",
            "rfq_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
        sa.Index("ix_quotations_supplier_id_id", "supplier_id", "id"),
    )

    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("rfqs.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    currency: Mapped[str] = mapped_column(sa.String(3))
    moq: Mapped[int]
    lead_time_days: Mapped[int]
    valid_until: Mapped[date]
    incoterm: Mapped[str] = mapped_column(sa.String(3))
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[QuotationStatus] = mapped_column(
        enum_column(QuotationStatus, name="quotationstatus"),
        default=QuotationStatus.SUBMITTED,
        server_default=QuotationStatus.SUBMITTED.value,
    )
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    decided_at: Mapped[datetime | None]  # accepted, declined or withdrawn

    rfq: Mapped[RFQ] = relationship(lazy="joined")
    supplier: Mapped[Supplier] = relationship(lazy="joined")
    revisions: Mapped[list[QuotationRevision]] = relationship(
        back_populates="quotation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuotationRevision.revision",
    )

    def __repr__(self) -> str:
        return f"<Quotation {self.id} rfq={self.rfq_id} supplier={self.supplier_id} {self.status}>"


class QuotationRevision(IdMixin, Model):
    """What a quotation said at each revision (revision 1 is the first submission)."""

    __tablename__ = "quotation_revisions"
    __table_args__ = (
        sa.UniqueConstraint(
            "quotation_id", "revision", name="uq_quotation_revisions_quotation_id_revision"
        ),
    )

    quotation_id: Mapped[int] = mapped_column(sa.ForeignKey("quotations.id", ondelete="CASCADE"))
    revision: Mapped[int]
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    currency: Mapped[str] = mapped_column(sa.String(3))
    moq: Mapped[int]
    lead_time_days: Mapped[int]
    valid_until: Mapped[date]
    incoterm: Mapped[str] = mapped_column(sa.String(3))
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    quotation: Mapped[Quotation] = relationship(back_populates="revisions")

    def __repr__(self) -> str:
        return f"<QuotationRevision {self.id} quotation={self.quotation_id} #{self.revision}>"

"""Moderation data: the prohibited-terms list, the automatic checks' flags per product,
and reports from users."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, enum_column, utcnow
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.accounts.models import User


class ProhibitedTerm(IdMixin, Model):
    """A word or phrase (mostly brand names) that flags a submitted product for a closer
    look: a listing of "Crocs-style clogs" may be a counterfeit."""

    __tablename__ = "prohibited_terms"

    term: Mapped[str] = mapped_column(sa.String(100))
    # Lower-cased, single-spaced: one entry per term whatever its spelling.
    term_normalized: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<ProhibitedTerm {self.id} {self.term!r}>"


class ProductCheck(Model):
    """The automatic checks' result for a product, recomputed at each submission.

    ``flags`` is ``[{"code": "prohibited_term"|"near_duplicate"|"price_outlier",
    "reason": "..."}]``; ``flag_count`` lets the queue filter flagged products.
    """

    __tablename__ = "product_checks"

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    flags: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    flag_count: Mapped[int] = mapped_column(default=0, server_default="0")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProductCheck product={self.product_id} flags={self.flag_count}>"


class ReportTargetType(enum.StrEnum):
    PRODUCT = "product"
    SUPPLIER = "supplier"
    RFQ = "rfq"


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    TARGET_REMOVED = "target_removed"


class Report(IdMixin, Model):
    """A logged-in user's report of a product, supplier or RFQ; an admin resolves it."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_status_id", "status", "id"),
        sa.Index("ix_reports_reporter_id_id", "reporter_id", "id"),
        sa.Index("ix_reports_target", "target_type", "target_id"),
        # One open report per reporter and target, also when two arrive at once.
        sa.Index(
            "uq_reports_one_open",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[ReportTargetType] = mapped_column(enum_column(ReportTargetType))
    target_id: Mapped[int]
    # The company the report is about (a product's or the supplier itself); null for RFQs.
    supplier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="SET NULL")
    )
    # What the reporter saw, kept even if the target is renamed or deleted later.
    target_label: Mapped[str] = mapped_column(sa.String(300))
    reason: Mapped[str] = mapped_column(sa.String(2000))
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.OPEN, server_default="open"
    )
    resolution_note: Mapped[str | None] = mapped_column(sa.String(2000))
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.target_type}:{self.target_id} {self.status}>"

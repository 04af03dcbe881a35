"""Supplier companies: the tenants of the marketplace."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column, utcnow
from marketplace.extensions import Model

if TYPE_CHECKING:
    from marketplace.accounts.models import User


class SupplierStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class VerificationStatus(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REFUSED = "refused"


class Supplier(IdMixin, TimestampMixin, Model):
    __tablename__ = "suppliers"

    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    city: Mapped[str | None] = mapped_column(sa.String(100))
    province: Mapped[str | None] = mapped_column(sa.String(100))
    country: Mapped[str] = mapped_column(sa.String(2), default="CN", server_default="CN")
    address: Mapped[str | None] = mapped_column(sa.String(300))
    year_established: Mapped[int | None]
    employees: Mapped[int | None]
    monthly_capacity_pairs: Mapped[int | None]
    main_markets: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Printed on proforma invoices; the company's own members and admins see it, never
    # the public (SupplierPrivateSchema).
    bank_details: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[SupplierStatus] = mapped_column(
        enum_column(SupplierStatus),
        default=SupplierStatus.ACTIVE,
        server_default=SupplierStatus.ACTIVE.value,
    )
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus),
        default=VerificationStatus.UNVERIFIED,
        server_default=VerificationStatus.UNVERIFIED.value,
    )
    verified_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Maintained incrementally by the sourcing domain; never computed per page view.
    response_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 3))
    median_response_hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))

    members: Mapped[list[User]] = relationship(back_populates="supplier")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="supplier",
        cascade="all, delete-orphan",
        order_by="Certification.name",
    )

    def __repr__(self) -> str:
        return f"<Supplier {self.id} {self.name!r}>"

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def is_active(self) -> bool:
        return self.status == SupplierStatus.ACTIVE


class Certification(IdMixin, Model):
    """A certificate the factory holds (BSCI, ISO 9001, Sedex/SMETA, ...)."""

    __tablename__ = "supplier_certifications"

    supplier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    issued_by: Mapped[str | None] = mapped_column(sa.String(200))
    valid_until: Mapped[date | None]

    supplier: Mapped[Supplier] = relationship(back_populates="certifications")

    def __repr__(self) -> str:
        return f"<Certification {self.id} {self.name!r} until {self.valid_until}>"

    @property
    def is_valid(self) -> bool:
        return self.valid_until is None or self.valid_until >= utcnow().date()


class VerificationRequest(IdMixin, Model):
    """A supplier's request to be verified, with the evidence it gave; admins decide."""

    __tablename__ = "verification_requests"
    __table_args__ = (
        # At most one request waiting for a decision per company, also under a race.
        sa.Index(
            "uq_verification_requests_one_pending",
            "supplier_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    supplier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    business_licence_number: Mapped[str] = mapped_column(sa.String(50))
    evidence: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus, name="verification_request_status"),
        default=VerificationStatus.PENDING,
    )
    decision_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    supplier: Mapped[Supplier] = relationship()

    def __repr__(self) -> str:
        return f"<VerificationRequest {self.id} supplier={self.supplier_id} {self.status}>"

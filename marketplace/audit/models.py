"""Audit entries. Append-only: no route updates or deletes a row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.db import IdMixin, utcnow
from marketplace.extensions import Model


class AuditEntry(IdMixin, Model):
    """Who did what to which object, the status before and after, why, when, and in
    which request. ``supplier_id`` is the company the entry concerns (so a supplier can
    read its own company's entries); null for actions on buyers or platform settings."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_target", "target_type", "target_id"),
        sa.Index("ix_audit_log_supplier_id_id", "supplier_id", "id"),
    )

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept even if the account is later deleted: the log must still say who it was.
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    supplier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="SET NULL")
    )
    before_status: Mapped[str | None] = mapped_column(sa.String(40))
    after_status: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str | None] = mapped_column(sa.String(2000))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}:{self.target_id}>"


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a written audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    """No code path may edit or delete an entry once written (no route does either):
    the log is only worth something if it cannot be rewritten."""
    for obj in (*session.dirty, *session.deleted):
        if not isinstance(obj, AuditEntry):
            continue
        if obj in session.deleted or session.is_modified(obj):
            raise AuditLogIsAppendOnly(f"audit entry {obj.id} cannot be changed or deleted")

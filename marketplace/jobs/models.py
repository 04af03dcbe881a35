"""Tasks that kept failing: recorded for the admins (``/admin/jobs``, ``flask jobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import IdMixin, utcnow
from marketplace.extensions import Model


class FailedTask(IdMixin, Model):
    """A task that failed its last retry (or could not be queued at all).

    ``args``/``kwargs`` are the task's JSON arguments (ids, never secrets), so an admin
    can run it again once the cause is fixed; ``error`` is the exception's type and
    message, cut short (no traceback: it may carry values).
    """

    __tablename__ = "failed_tasks"
    __table_args__ = (sa.Index("ix_failed_tasks_resolved_at_id", "resolved_at", "id"),)

    task_name: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.String(1000))
    attempts: Mapped[int] = mapped_column(default=1)
    task_id: Mapped[str | None] = mapped_column(sa.String(64))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution: Mapped[str | None] = mapped_column(sa.String(20))  # retried | dismissed

    def __repr__(self) -> str:
        return f"<FailedTask {self.id} {self.task_name}>"

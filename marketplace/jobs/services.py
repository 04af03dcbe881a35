"""What admins do with failed tasks: list them, run one again, or dismiss it.

Both decisions are audited, and both are flushes: the caller commits.  A retried task
is queued after that commit (``jobs.enqueue``), so a rolled-back decision queues nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import jobs
from marketplace.audit import services as audit
from marketplace.db import rowcount, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.jobs.models import FailedTask

AUDIT_ACTIONS = {"retried": "task.retry", "dismissed": "task.dismiss"}


def list_failed(*, include_resolved: bool = False, limit: int = 100) -> list[FailedTask]:
    query = sa.select(FailedTask).order_by(FailedTask.id.desc()).limit(limit)
    if not include_resolved:
        query = query.where(FailedTask.resolved_at.is_(None))
    return list(db.session.scalars(query))


def get_failed(failed_id: int) -> FailedTask:
    failed = db.session.get(FailedTask, failed_id)
    if failed is None:
        raise NotFound("Failed task not found.")
    return failed


def _resolve(failed: FailedTask, resolution: str, actor) -> None:
    actor = actor if actor is not None else audit.current_actor()
    result = db.session.execute(
        sa.update(FailedTask)
        .where(FailedTask.id == failed.id, FailedTask.resolved_at.is_(None))
        .values(
            resolved_at=utcnow(),
            resolution=resolution,
            resolved_by_id=getattr(actor, "id", None),
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict("This failed task was already retried or dismissed.")
    db.session.refresh(failed)
    audit.record(
        AUDIT_ACTIONS[resolution],
        failed,
        actor=actor,
        details={"task": failed.task_name, "args": failed.args, "kwargs": failed.kwargs},
    )


def retry_failed(failed: FailedTask, *, actor=None) -> None:
    """Queue the task again with its arguments (after the commit) and mark it retried."""
    _resolve(failed, "retried", actor)
    jobs.enqueue(failed.task_name, *failed.args, **failed.kwargs)


def dismiss_failed(failed: FailedTask, *, actor=None) -> None:
    """Mark it handled without running it (the cause was dealt with another way)."""
    _resolve(failed, "dismissed", actor)

"""Writing audit entries. Call ``record`` inside the transaction of the action it
describes (services never commit; the view does), so the entry and the change land
together or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from flask_login import current_user

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db


def current_actor():
    """The logged-in user of this request, or None (a CLI or system action)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def record(
    action: str,
    target: Any,
    *,
    actor: Any = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    supplier_id: int | None = None,
    details: dict[str, Any] | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
) -> AuditEntry:
    """Add one audit row for ``action`` on ``target`` (a model instance with an ``id``).

    ``actor`` defaults to the logged-in user (None from the CLI: a system action).
    ``before``/``after`` are statuses (enums are stored by value). ``supplier_id``
    defaults to the target's own ``supplier_id`` (or its id when it is a Supplier).
    ``target_type``/``target_id`` name a target that is gone (``target`` None).
    """
    actor = actor if actor is not None else current_actor()
    kind = target_type or str(getattr(target, "__tablename__", type(target).__name__.lower()))
    kind = _TARGET_TYPES.get(kind, kind)
    if target_id is None:
        target_id = getattr(target, "id", None)
    if supplier_id is None:
        supplier_id = target_id if kind == "supplier" else getattr(target, "supplier_id", None)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        actor_role=_value(getattr(actor, "role", None)),
        action=action,
        target_type=kind,
        target_id=target_id,
        supplier_id=supplier_id,
        before_status=_value(before),
        after_status=_value(after),
        reason=reason,
        details=details or {},
        request_id=g.get("request_id") if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


# Table names -> the target type the log shows.
_TARGET_TYPES = {
    "suppliers": "supplier",
    "products": "product",
    "users": "user",
    "rfqs": "rfq",
    "quotations": "quotation",
    "inquiries": "inquiry",
    "reports": "report",
    "verification_requests": "verification_request",
    "prohibited_terms": "prohibited_term",
}


def _value(status: Any) -> str | None:
    if status is None:
        return None
    return str(getattr(status, "value", status))


# Reading ---------------------------------------------------------------------


def entries_query(
    *,
    actor_id: int | None = None,
    actor_email: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    supplier_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> sa.Select:
    """Audit entries matching every filter given (dates are whole UTC days, inclusive);
    the caller paginates, newest first."""
    query = sa.select(AuditEntry)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if actor_email:
        query = query.where(sa.func.lower(AuditEntry.actor_email) == actor_email.strip().lower())
    if action:
        # "product" matches every product action; "product.reject" just that one.
        if "." in action:
            query = query.where(AuditEntry.action == action)
        else:
            query = query.where(AuditEntry.action.startswith(f"{action}.", autoescape=True))
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if supplier_id is not None:
        query = query.where(AuditEntry.supplier_id == supplier_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= _day_start(since))
    if until is not None and until < date.max:
        query = query.where(AuditEntry.created_at < _day_start(until + timedelta(days=1)))
    return query


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def record_catalog_import(
    supplier: Any, counts: dict[str, int], filename: str | None, *, actor: Any = None
) -> AuditEntry:
    """The one row of a bulk catalog import (API, page, job or CLI): its row counts.
    ``actor``: the uploader, for an import job (no one is logged in there)."""
    return record(
        "catalog.import",
        supplier,
        actor=actor,
        details={**counts, "filename": (filename or "")[:200]},
    )

"""Writing audit entries. Call ``record`` inside the transaction of the action it
describes (services never commit; the view does), so the entry and the change land
together or not at all."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_login import current_user

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db


def _current_actor():
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
) -> AuditEntry:
    """Add one audit row for ``action`` on ``target`` (a model instance with an ``id``).

    ``actor`` defaults to the logged-in user (None from the CLI: a system action).
    ``before``/``after`` are statuses (enums are stored by value). ``supplier_id``
    defaults to the target's own ``supplier_id`` (or its id when it is a Supplier).
    """
    actor = actor if actor is not None else _current_actor()
    kind = target_type or getattr(target, "__tablename__", type(target).__name__.lower())
    kind = _TARGET_TYPES.get(kind, kind)
    if supplier_id is None:
        supplier_id = target.id if kind == "supplier" else getattr(target, "supplier_id", None)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        actor_role=_value(getattr(actor, "role", None)),
        action=action,
        target_type=kind,
        target_id=getattr(target, "id", None),
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
}


def _value(status: Any) -> str | None:
    if status is None:
        return None
    return str(getattr(status, "value", status))

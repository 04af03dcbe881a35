"""Moderation operations: the review queue, supplier verification, suspensions, reports,
the prohibited-terms list and the admins' headline figures.

Every admin action here writes exactly one audit row (``marketplace.audit.record``) in
the caller's transaction, after the change succeeded: a refused action raises before
anything is written, and the view's single commit makes the change and its row land
together.  Services flush, never commit.  The people concerned are notified in the
same transaction (in-app, and e-mail through the outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User, UserStatus
from marketplace.audit import services as audit
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.db import utcnow
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.moderation.models import ProductCheck
from marketplace.notifications.services import notify
from marketplace.pagination import decode_cursor, encode_cursor
from marketplace.suppliers.models import (
    Supplier,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)

QUEUE_SALT = "admin-review-queue"


# Products ------------------------------------------------------------------------


def get_product(product_id: int) -> Product:
    """Any product, whatever its state (admins see everything)."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("Product not found.")
    return product


def products_query(
    *,
    status: ProductStatus | None = None,
    supplier_id: int | None = None,
    category: str | None = None,
    flagged: bool | None = None,
    q: str | None = None,
) -> sa.Select:
    query = sa.select(Product)
    if status is not None:
        query = query.where(Product.status == status)
    if supplier_id is not None:
        query = query.where(Product.supplier_id == supplier_id)
    if category:
        query = query.join(Category, Category.id == Product.category_id).where(
            Category.slug == category
        )
    if flagged is not None:
        has_flags = sa.exists().where(
            ProductCheck.product_id == Product.id, ProductCheck.flag_count > 0
        )
        query = query.where(has_flags if flagged else ~has_flags)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Product.name).like(pattern), sa.func.lower(Product.sku).like(pattern)
            )
        )
    return query


def paginate_queue(query: sa.Select, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """Oldest submission first (then by id), with a signed keyset cursor."""
    key = sa.func.coalesce(Product.submitted_at, Product.created_at)
    if cursor:
        stamp, last_id = decode_cursor(cursor, salt=QUEUE_SALT, length=2)
        try:
            when = datetime.fromisoformat(stamp)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]}) from exc
        if not isinstance(last_id, int) or when.tzinfo is None:
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
        query = query.where(sa.or_(key > when, sa.and_(key == when, Product.id > last_id)))
    rows = list(db.session.scalars(query.order_by(key, Product.id).limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        stamp = (last.submitted_at or last.created_at).isoformat()
        next_cursor = encode_cursor([stamp, last.id], salt=QUEUE_SALT)
    return {"items": rows[:limit], "next_cursor": next_cursor}


def _product_audit(
    action: str, product: Product, before: ProductStatus, reason: str | None = None, **details
) -> None:
    audit.record(
        action,
        product,
        before=before,
        after=product.status,
        reason=reason,
        details={"sku": product.sku, "name": product.name, **details},
    )


def _review_details(product: Product) -> dict[str, Any]:
    """When the product was submitted and how long the review took (for the median)."""
    if product.submitted_at is None:
        return {}
    seconds = max(0, int((utcnow() - product.submitted_at).total_seconds()))
    return {"submitted_at": product.submitted_at.isoformat(), "review_seconds": seconds}


def approve_product(product: Product) -> Product:
    """pending_review -> published (409 from any other state)."""
    before, review = product.status, _review_details(product)
    catalog.approve_product(product)
    _product_audit("product.approve", product, before, **review)
    _notify_members(
        product.supplier,
        "product.approved",
        f"Approved and published: {product.name}",
        f"Your product {product.sku} passed the platform review and is now visible to buyers.",
        link=f"/dashboard/products/{product.id}",
        subject={"product_id": product.id},
        email=False,
    )
    return product


def reject_product(product: Product, reason: str) -> Product:
    """pending_review -> rejected, with the reason the supplier is shown."""
    before, review = product.status, _review_details(product)
    catalog.reject_product(product, reason)
    _product_audit("product.reject", product, before, reason, **review)
    _notify_members(
        product.supplier,
        "product.rejected",
        f"Not approved: {product.name}",
        f"Your product {product.sku} was not approved. Reason: {reason}\n"
        "Edit it and submit it again.",
        link=f"/dashboard/products/{product.id}",
        subject={"product_id": product.id},
    )
    return product


def suspend_product(product: Product, reason: str) -> Product:
    """Hide a product from everyone but its supplier and the admins; only an admin lifts it."""
    before = product.status
    hide_product(product, reason)
    _product_audit("product.suspend", product, before, reason)
    return product


def hide_product(product: Product, reason: str) -> None:
    """``suspend_product`` without its audit row (for an action that writes its own)."""
    catalog.suspend_product(product, reason)
    _notify_members(
        product.supplier,
        "product.suspended",
        f"Suspended: {product.name}",
        f"The platform suspended your product {product.sku}; buyers no longer see it. "
        f"Reason: {reason}",
        link=f"/dashboard/products/{product.id}",
        subject={"product_id": product.id},
    )


def reinstate_product(product: Product) -> Product:
    """suspended -> the state it was suspended from."""
    before = product.status
    catalog.reinstate_product(product)
    _product_audit("product.reinstate", product, before)
    return product


# Suppliers -----------------------------------------------------------------------


def get_supplier(supplier_id: int) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("Supplier not found.")
    return supplier


def suppliers_query(
    *,
    verification: VerificationStatus | None = None,
    status: SupplierStatus | None = None,
    q: str | None = None,
) -> sa.Select:
    query = sa.select(Supplier)
    if verification is not None:
        query = query.where(Supplier.verification_status == verification)
    if status is not None:
        query = query.where(Supplier.status == status)
    if q:
        query = query.where(sa.func.lower(Supplier.name).contains(q.lower(), autoescape=True))
    return query


def latest_requests(supplier_ids: Iterable[int]) -> dict[int, VerificationRequest]:
    """Each supplier's most recent verification request (the evidence the admin judges)."""
    ids = list(supplier_ids)
    if not ids:
        return {}
    newest = (
        sa.select(sa.func.max(VerificationRequest.id))
        .where(VerificationRequest.supplier_id.in_(ids))
        .group_by(VerificationRequest.supplier_id)
    )
    rows = db.session.scalars(
        sa.select(VerificationRequest).where(VerificationRequest.id.in_(newest))
    )
    return {request.supplier_id: request for request in rows}


def decide_verification(
    supplier: Supplier, *, decision: str, reason: str | None, actor: User | None = None
) -> VerificationRequest:
    """Verify the supplier, or refuse its pending request with a reason (required)."""
    if decision == "refuse" and not reason:
        raise ValidationFailed(errors={"reason": ["A reason is required to refuse."]})
    request = latest_requests([supplier.id]).get(supplier.id)
    if request is None or request.status != VerificationStatus.PENDING:
        raise Conflict("This supplier has no verification request waiting for a decision.")
    before = supplier.verification_status
    now = utcnow()
    request.decided_at = now
    request.decided_by_id = getattr(actor or audit.current_actor(), "id", None)
    request.decision_reason = reason
    if decision == "verify":
        request.status = VerificationStatus.VERIFIED
        supplier.verification_status = VerificationStatus.VERIFIED
        supplier.verified_at = now
        title = "Your company is verified"
        body = "The platform verified your company: buyers now see the verified badge."
    else:
        request.status = VerificationStatus.REFUSED
        supplier.verification_status = VerificationStatus.REFUSED
        title = "Verification refused"
        body = f"Your verification request was refused. Reason: {reason}\n" + (
            "You can send a new request with better evidence."
        )
    db.session.flush()
    audit.record(
        "supplier.verify" if decision == "verify" else "supplier.refuse_verification",
        supplier,
        actor=actor,
        before=before,
        after=supplier.verification_status,
        reason=reason,
        details={
            "verification_request_id": request.id,
            "business_licence_number": request.business_licence_number,
        },
    )
    _notify_members(
        supplier,
        f"verification.{request.status.value}",
        title,
        body,
        link="/dashboard/profile#verification",
        subject={"supplier_id": supplier.id, "verification_request_id": request.id},
    )
    return request


def suspend_supplier(supplier: Supplier, reason: str, *, actor: User | None = None) -> Supplier:
    """Hide the company and all its products at once (the search index follows the
    status on flush); its members can still sign in but not submit or quote."""
    before = supplier.status
    hide_supplier(supplier, reason)
    audit.record(
        "supplier.suspend",
        supplier,
        actor=actor,
        before=before,
        after=supplier.status,
        reason=reason,
        details={"name": supplier.name},
    )
    return supplier


def hide_supplier(supplier: Supplier, reason: str) -> None:
    """``suspend_supplier`` without its audit row (for an action that writes its own)."""
    if supplier.status == SupplierStatus.SUSPENDED:
        raise Conflict("This supplier is already suspended.")
    supplier.status = SupplierStatus.SUSPENDED
    supplier.suspended_reason = reason
    db.session.flush()
    _notify_members(
        supplier,
        "supplier.suspended",
        "Your company is suspended",
        "The platform suspended your company: buyers no longer see its page or products, "
        f"and products cannot be submitted. Reason: {reason}",
        link="/dashboard",
        subject={"supplier_id": supplier.id},
    )


def reinstate_supplier(supplier: Supplier, *, actor: User | None = None) -> Supplier:
    """Active again: its published products are visible again."""
    if supplier.status == SupplierStatus.ACTIVE:
        raise Conflict("This supplier is not suspended.")
    before = supplier.status
    supplier.status = SupplierStatus.ACTIVE
    supplier.suspended_reason = None
    db.session.flush()
    audit.record(
        "supplier.reinstate",
        supplier,
        actor=actor,
        before=before,
        after=supplier.status,
        details={"name": supplier.name},
    )
    _notify_members(
        supplier,
        "supplier.reinstated",
        "Your company is active again",
        "The platform lifted the suspension: your published products are visible again.",
        link="/dashboard",
        subject={"supplier_id": supplier.id},
    )
    return supplier


def _notify_members(supplier: Supplier, kind: str, title: str, body: str, **kwargs) -> None:
    members = db.session.scalars(
        sa.select(User).where(User.supplier_id == supplier.id).order_by(User.id)
    )
    notify(members, kind, title, body, **kwargs)


# Users ---------------------------------------------------------------------------


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def users_query(
    *, q: str | None = None, role: Role | None = None, status: UserStatus | None = None
) -> sa.Select:
    query = sa.select(User)
    if q:
        needle = q.strip().lower()
        query = query.where(
            sa.or_(
                User.email_normalized.contains(needle, autoescape=True),
                sa.func.lower(User.name).contains(needle, autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    if status is not None:
        query = query.where(User.status == status)
    return query


def suspend_user(user: User, reason: str) -> User:
    """The account stops working at once: every session and API token ends."""
    if user.role == Role.ADMIN:
        # Admin accounts are managed by the operators who run create-admin, never from
        # the console: an admin can neither lock out a colleague nor themselves.
        raise Conflict("Administrator accounts cannot be suspended here.")
    if user.status == UserStatus.SUSPENDED:
        raise Conflict("This account is already suspended.")
    before = user.status
    user.status = UserStatus.SUSPENDED
    user.suspended_reason = reason
    accounts.end_all_access(user)
    db.session.flush()
    audit.record(
        "user.suspend",
        user,
        before=before,
        after=user.status,
        reason=reason,
        details={"email": user.email, "role": user.role.value},
    )
    return user


def reinstate_user(user: User) -> User:
    if user.status != UserStatus.SUSPENDED:
        raise Conflict("This account is not suspended.")
    before = user.status
    user.status = UserStatus.ACTIVE
    user.suspended_reason = None
    db.session.flush()
    audit.record(
        "user.reinstate",
        user,
        before=before,
        after=user.status,
        details={"email": user.email, "role": user.role.value},
    )
    return user

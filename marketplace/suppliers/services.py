"""Supplier companies: profile, team, verification requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts import services as accounts
from marketplace.accounts.models import CompanyRole, Role, User
from marketplace.audit import services as audit
from marketplace.db import rowcount, violates
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.permissions import can_view_supplier_private
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)

ALREADY_VERIFIED = "Your company is already verified."
ALREADY_WAITING = "A verification request is already waiting for review."

PROFILE_FIELDS = (
    "name",
    "description",
    "city",
    "province",
    "address",
    "year_established",
    "employees",
    "monthly_capacity_pairs",
    "main_markets",
)


def get_supplier(supplier_id: int, viewer: User | None) -> Supplier:
    """Active suppliers for everyone; a suspended one only for its members and admins."""
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("Supplier not found.")
    if supplier.status != SupplierStatus.ACTIVE and not can_view_supplier_private(
        viewer, supplier_id
    ):
        raise NotFound("Supplier not found.")
    return supplier


def create_owner_company(owner: User) -> Supplier:
    """The company of a supplier owner being registered (``supplier_registered``)."""
    owner.supplier = Supplier(name=owner.company_name, country="CN")
    owner.company_role = CompanyRole.OWNER
    return owner.supplier


def update_profile(supplier: Supplier, data: Mapping[str, Any]) -> Supplier:
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(supplier, field, data[field])
    if "certifications" in data:
        supplier.certifications = [Certification(**item) for item in data["certifications"]]
    db.session.flush()
    return supplier


def list_members(supplier: Supplier) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.supplier_id == supplier.id).order_by(User.id.desc())
        )
    )


def add_staff(supplier: Supplier, *, email: str, name: str, password: str | None) -> User:
    """Create a staff account, or attach an existing supplier account that has no company."""
    existing = accounts.get_user_by_email(email)
    if existing is not None:
        if existing.supplier_id == supplier.id:
            raise Conflict("This person is already in your team.")
        if existing.role != Role.SUPPLIER or existing.supplier_id is not None:
            raise Conflict("This e-mail belongs to another account and cannot join your team.")
        existing.supplier_id = supplier.id
        existing.company_role = CompanyRole.STAFF
        existing.company_name = supplier.name
        db.session.flush()
        _audit_member("supplier.member_added", supplier, existing, after="staff")
        return existing
    if not password:
        raise ValidationFailed(errors={"password": ["Required to create a new account."]})
    accounts.check_new_password(password, field="password", email=email, name=name)
    user = User(
        email=email.strip(),
        email_normalized=accounts.normalize_email(email),
        password_hash=accounts.hash_password(password),
        name=name,
        role=Role.SUPPLIER,
        country=supplier.country,
        company_name=supplier.name,
        supplier_id=supplier.id,
        company_role=CompanyRole.STAFF,
    )
    accounts.add_new_user(user)
    _audit_member("supplier.member_added", supplier, user, after="staff")
    return user


def _audit_member(action: str, supplier: Supplier, member: User, **statuses) -> None:
    audit.record(
        action,
        supplier,
        **statuses,
        details={"user_id": member.id, "email": member.email, "name": member.name},
    )


def remove_member(supplier: Supplier, user_id: int, *, acting: User) -> User:
    """Remove a staff member; their sessions and API tokens end at once."""
    member = db.session.get(User, user_id)
    if member is None or member.supplier_id != supplier.id:
        raise NotFound("Member not found.")
    if member.company_role == CompanyRole.OWNER:
        raise Conflict("The owner cannot be removed from the company.")
    member.supplier_id = None
    member.company_role = None
    accounts.end_all_access(member)
    db.session.flush()
    _audit_member("supplier.member_removed", supplier, member, before="staff")
    return member


def request_verification(
    supplier: Supplier, *, business_licence_number: str, evidence: str, requested_by: User
) -> VerificationRequest:
    """A request waiting for the admins' decision; 409 when the company is verified or has
    one waiting already, also when two requests arrive at the same moment (the status
    moves by a conditional UPDATE, and a partial unique index allows one pending request)."""
    if supplier.verification_status == VerificationStatus.VERIFIED:
        raise Conflict(ALREADY_VERIFIED)
    if supplier.verification_status == VerificationStatus.PENDING:
        raise Conflict(ALREADY_WAITING)
    before = supplier.verification_status
    moved = db.session.execute(
        sa.update(Supplier)
        .where(Supplier.id == supplier.id, Supplier.verification_status == before)
        .values(verification_status=VerificationStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    if rowcount(moved) != 1:  # another request moved it first
        raise Conflict(ALREADY_WAITING)
    set_committed_value(supplier, "verification_status", VerificationStatus.PENDING)
    request = VerificationRequest(
        supplier_id=supplier.id,
        requested_by_id=requested_by.id,
        business_licence_number=business_licence_number,
        evidence=evidence,
        status=VerificationStatus.PENDING,
    )
    db.session.add(request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if violates(exc, "uq_verification_requests_one_pending:verification_requests.supplier_id"):
            raise Conflict(ALREADY_WAITING) from exc
        raise
    audit.record(
        "supplier.verification_requested",
        supplier,
        actor=requested_by,
        before=before,
        after=supplier.verification_status,
        details={"verification_request_id": request.id},
    )
    return request

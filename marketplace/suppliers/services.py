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
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.permissions import can_change_company_identity, can_view_supplier_private
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)
from marketplace.suppliers.signals import identity_changing

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
    "bank_details",
)
# What the business licence names, and so what verification vouches for: the owner's to
# change, checked against the prohibited terms, and a verified company goes back to the
# admins' queue when it changes.
IDENTITY_FIELDS = ("name", "address", "city", "province")
OWNER_ONLY = "Only the company's owner can change its name or address."
PROHIBITED_IN_IDENTITY = 'The prohibited term "{term}" cannot be part of a company\'s {field}.'


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


def update_profile(supplier: Supplier, data: Mapping[str, Any], *, editor: User | None) -> Supplier:
    """Edit the profile (owner and staff).  The identity fields (``IDENTITY_FIELDS``) are
    the owner's (``Forbidden`` for staff, and for ``editor`` None: no user, e.g. the demo
    loader) and may not contain a prohibited term (``ValidationFailed``); when they
    change the edit is audited with the old and new values, and a verified company loses
    its badge until the admins verify it again.  A value sent again unchanged is no
    change."""
    changes = identity_changes(supplier, data)
    if changes:
        if not can_change_company_identity(editor, supplier.id):
            raise Forbidden(
                OWNER_ONLY, errors={field: [OWNER_ONLY] for field in changes}, fields=list(changes)
            )
        _refuse_prohibited_terms(supplier, {field: new for field, (_old, new) in changes.items()})
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(supplier, field, data[field])
    if "certifications" in data:
        supplier.certifications = [Certification(**item) for item in data["certifications"]]
    db.session.flush()
    if changes:
        _identity_changed(supplier, changes, editor)
    return supplier


def identity_changes(
    supplier: Supplier, data: Mapping[str, Any]
) -> dict[str, tuple[str | None, str | None]]:
    """The identity fields ``data`` really changes: ``{field: (old, new)}`` (a blank and
    no value are the same)."""
    return {
        field: (getattr(supplier, field), data[field])
        for field in IDENTITY_FIELDS
        if field in data and (data[field] or "") != (getattr(supplier, field) or "")
    }


def _refuse_prohibited_terms(supplier: Supplier, values: dict[str, str | None]) -> None:
    texts = {field: value for field, value in values.items() if value}
    found: dict[str, str] = {}
    for _receiver, answer in identity_changing.send(supplier, values=texts):
        for field, term in (answer or {}).items():
            found.setdefault(field, term)
    if found:
        raise ValidationFailed(
            errors={
                field: [PROHIBITED_IN_IDENTITY.format(term=term, field=field)]
                for field, term in found.items()
            },
            terms=found,
        )


def _identity_changed(
    supplier: Supplier, changes: dict[str, tuple[str | None, str | None]], editor: User | None
) -> None:
    """Audit the change; a verified company goes back to the admins' verification queue
    with a request carrying its licence number and what changed."""
    before = supplier.verification_status
    request = None
    if before == VerificationStatus.VERIFIED:
        verified = db.session.scalar(
            sa.select(VerificationRequest)
            .where(
                VerificationRequest.supplier_id == supplier.id,
                VerificationRequest.status == VerificationStatus.VERIFIED,
            )
            .order_by(VerificationRequest.id.desc())
            .limit(1)
        )
        what = "; ".join(
            f'{field}: "{old or ""}" -> "{new or ""}"' for field, (old, new) in changes.items()
        )
        request = VerificationRequest(
            supplier_id=supplier.id,
            requested_by_id=getattr(editor, "id", None),
            business_licence_number=verified.business_licence_number if verified else "",
            evidence=f"Verify again: the owner changed the company's identity ({what}).",
            status=VerificationStatus.PENDING,
        )
        supplier.verification_status = VerificationStatus.PENDING
        supplier.verified_at = None
        db.session.add(request)
        db.session.flush()
    audit.record(
        "supplier.identity_change",
        supplier,
        actor=editor,
        before=before,
        after=supplier.verification_status,
        details={
            "changes": {
                field: {"before": old, "after": new} for field, (old, new) in changes.items()
            },
            "verification_request_id": request.id if request else None,
        },
    )


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

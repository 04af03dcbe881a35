"""Fixtures of the moderation tests: an admin's API client, a supplier with products in
every state, and the audit rows an action leaves."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from tests.factories import AdminFactory, SupplierOwnerFactory


@pytest.fixture
def admin():
    return AdminFactory()


@pytest.fixture
def admin_api(login_as, admin):
    return login_as(admin)


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def supplier(owner):
    return owner.supplier


@pytest.fixture
def owner_api(login_as, owner):
    return login_as(owner)


def audit_rows(action: str | None = None, **where) -> list[AuditEntry]:
    """The audit entries (of this test), oldest first, optionally of one action."""
    db.session.expire_all()
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def refresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)

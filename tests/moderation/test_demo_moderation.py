"""The demo's moderation data: decisions recorded through the services (system actor,
audit rows), a flagged review queue and open reports; no admin account."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.catalog.models import Product, ProductStatus
from marketplace.demo import load_demo_data
from marketplace.demo.moderation import load_moderation_demo
from marketplace.extensions import db
from marketplace.moderation.checks import flags_for
from marketplace.moderation.models import Report, ReportStatus
from marketplace.suppliers.models import Supplier, SupplierStatus, VerificationStatus


def test_demo_moderation_data(app):
    made = load_demo_data(products_per_supplier=2).moderation  # the seed runs it last
    transaction.commit()

    assert made["pending products"] == 6 and made["reports"] >= 2
    assert db.session.scalar(sa.select(User.id).where(User.role == Role.ADMIN)) is None
    # Verification and suspension went through the services: one row each, by "system".
    entries = list(db.session.scalars(sa.select(AuditEntry)))
    # (the sourcing demo's buyers accept quotations, and the parties move the demo orders:
    # those rows are theirs)
    decisions = [
        e
        for e in entries
        if e.action != "supplier.verification_requested"
        and not e.action.startswith(("quotation.", "sample.", "order."))
    ]
    assert decisions and all(e.actor_id is None and e.actor_email is None for e in decisions)
    requests = [e for e in entries if e.action == "supplier.verification_requested"]
    assert requests and all(e.actor_role == "supplier" for e in requests)
    actions = Counter(e.action for e in entries)
    verified = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Supplier)
        .where(Supplier.verification_status == VerificationStatus.VERIFIED)
    )
    assert actions["supplier.verify"] == verified > 0
    assert actions["supplier.refuse_verification"] >= 1
    suspended = db.session.scalar(
        sa.select(Supplier).where(Supplier.status == SupplierStatus.SUSPENDED)
    )
    (row,) = [e for e in entries if e.action == "supplier.suspend"]
    assert row.target_id == suspended.id and row.reason == suspended.suspended_reason
    assert actions["product.approve"] > 0

    pending = list(
        db.session.scalars(
            sa.select(Product).where(
                Product.status == ProductStatus.PENDING_REVIEW, Product.sku.like("%-MOD-%")
            )
        )
    )
    codes = {f["code"] for flags in flags_for(pending).values() for f in flags}
    assert {"prohibited_term", "near_duplicate"} <= codes
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Report).where(Report.status == ReportStatus.OPEN)
        )
        == made["reports"]
    )

    # Idempotent: nothing more the second time.
    again = load_moderation_demo()
    assert sum(again.values()) == 0

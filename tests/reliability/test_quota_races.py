"""Allowances and one-of-a-kind rules under requests that arrive at the same moment, with
real commits on the configured database (SQLite file or PostgreSQL):

- a buyer's RFQ allowance: 12 RFQs posted at once with "5 per hour" store at most 5 (the
  check and the count were two steps: 6 got through);
- one open report per reporter and target: the same report sent 8 times at once is stored
  once, the others are 409;
- one verification request waiting per company: 8 at once give one 201 and 409s.

The one-of-a-kind rules are constraints of the database (partial unique indexes), so the
last two tests also check the constraint itself, behind the services' back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import transaction
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.moderation.models import Report, ReportStatus, ReportTargetType
from marketplace.suppliers.models import VerificationRequest, VerificationStatus
from tests.factories import BuyerFactory, SupplierOwnerFactory, rfq_payload
from tests.reliability.conftest import in_parallel
from tests.rfqs.support import supplier_with_catalog

pytestmark = pytest.mark.real_commits

RACERS = 12
LICENCE = {"business_licence_number": "91350582MA2XYZ1234", "evidence": "Licence photo sent."}


def bearer_clients(dedicated, user_factory, count: int, **factory_args):
    """``count`` API clients of one new user, each with a token of its own; and the user's
    id (and supplier id, for a supplier owner)."""
    with dedicated.app.app_context():
        user = user_factory(**factory_args)
        secrets = [accounts.create_token(user, f"racer {n}")[1] for n in range(count)]
        transaction.commit()
        ids = user.id, user.supplier_id
        db.session.remove()
    clients = [dedicated.api() for _ in range(count)]
    for client, secret in zip(clients, secrets, strict=True):
        client.bearer = secret
    return clients, ids


def test_rfqs_posted_at_once_never_exceed_the_buyers_allowance(make_app):
    dedicated = make_app(RFQ_LIMITS_PER_BUYER="5 per hour")
    with dedicated.app.app_context():
        supplier_with_catalog("Matched Factory")
        transaction.commit()
    clients, (buyer_id, _) = bearer_clients(dedicated, BuyerFactory, RACERS)

    responses = in_parallel(clients, lambda i, c: c.post("/api/v1/rfqs", json=rfq_payload()))

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 429}, [r.json for r in responses]
    stored = dedicated.count("rfqs", "buyer_id = :b", b=buyer_id)
    assert stored == statuses.count(201)
    assert 1 <= stored <= 5
    # The allowance stays spent: one more is refused.
    assert clients[0].post("/api/v1/rfqs", json=rfq_payload()).status_code == 429


def test_the_same_report_sent_at_once_is_stored_once(make_app):
    dedicated = make_app(REPORT_LIMITS_PER_USER="1000 per hour")
    with dedicated.app.app_context():
        reported = SupplierOwnerFactory().supplier_id
        transaction.commit()
    clients, (reporter_id, _) = bearer_clients(dedicated, BuyerFactory, 8)
    body = {"target_type": "supplier", "target_id": reported, "reason": "Uses a brand's logo."}

    responses = in_parallel(clients, lambda i, c: c.post("/api/v1/reports", json=body))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.json for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert "already reported" in refused.json["message"]
    assert dedicated.count("reports", "reporter_id = :r", r=reporter_id) == 1


def test_one_verification_request_waits_per_company_when_sent_at_once(make_app):
    dedicated = make_app()
    clients, (_, supplier_id) = bearer_clients(dedicated, SupplierOwnerFactory, 8)
    path = f"/api/v1/suppliers/{supplier_id}/verification-request"

    responses = in_parallel(clients, lambda i, c: c.post(path, json=LICENCE))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.json for r in responses]
    assert dedicated.count("verification_requests", "supplier_id = :s", s=supplier_id) == 1
    assert dedicated.count("audit_log", "action = 'supplier.verification_requested'") == 1


def _commit_refused(add) -> None:
    """``add()`` then commit: the database itself refuses the row."""
    add()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_second_open_report(make_app):
    dedicated = make_app()
    with dedicated.app.app_context():
        reporter, owner = BuyerFactory(), SupplierOwnerFactory()
        transaction.commit()

        def report(status=ReportStatus.OPEN):
            db.session.add(
                Report(
                    reporter_id=reporter.id,
                    target_type=ReportTargetType.SUPPLIER,
                    target_id=owner.supplier_id,
                    target_label="A factory",
                    reason="Fake",
                    status=status,
                )
            )

        report()
        report(ReportStatus.DISMISSED)  # closed ones do not count
        transaction.commit()
        _commit_refused(report)
    assert dedicated.count("reports") == 2


def test_the_database_refuses_a_second_pending_verification_request(make_app):
    dedicated = make_app()
    with dedicated.app.app_context():
        owner = SupplierOwnerFactory()
        transaction.commit()

        def request(status=VerificationStatus.PENDING):
            db.session.add(
                VerificationRequest(
                    supplier_id=owner.supplier_id,
                    requested_by_id=owner.id,
                    business_licence_number="91350582MA2XYZ1234",
                    status=status,
                )
            )

        request()
        request(VerificationStatus.REFUSED)
        transaction.commit()
        _commit_refused(request)
    assert dedicated.count("verification_requests") == 2

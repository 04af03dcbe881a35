"""Supplier verification and suspension, user suspension: the effects a user notices, and
one audit row per action (none when refused)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken, UserSession
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.suppliers.models import (
    Certification,
    SupplierStatus,
    VerificationRequest,
    VerificationStatus,
)
from tests.catalog.support import commit, make_product
from tests.factories import AdminFactory, BuyerFactory, SupplierStaffFactory
from tests.moderation.conftest import audit_rows, refresh

S = ProductStatus
LICENCE = "91350582MA2Y3K4L5X"


def request_verification(owner_api, supplier):
    response = owner_api.post(
        f"/api/v1/suppliers/{supplier.id}/verification-request",
        json={"business_licence_number": LICENCE, "evidence": "Licence photo and audit report."},
    )
    assert response.status_code == 201, response.json


# Verification --------------------------------------------------------------------


def test_pending_suppliers_are_listed_with_their_evidence(admin_api, owner_api, supplier):
    supplier.certifications = [Certification(name="BSCI", certificate_number="DBID 1234")]
    commit()
    request_verification(owner_api, supplier)

    response = admin_api.get("/api/v1/admin/suppliers?verification=pending")

    assert response.status_code == 200
    (item,) = response.json["items"]
    assert item["id"] == supplier.id
    assert item["verification_status"] == "pending"
    evidence = item["verification_request"]
    assert evidence["business_licence_number"] == LICENCE
    assert evidence["evidence"] == "Licence photo and audit report."
    assert item["certifications"][0]["name"] == "BSCI"
    # The supplier's own request is on record too.
    (row,) = audit_rows("supplier.verification_requested")
    assert (row.before_status, row.after_status) == ("unverified", "pending")


def test_verify_gives_the_badge_with_one_audit_row(admin_api, owner_api, supplier, client):
    request_verification(owner_api, supplier)
    before = len(audit_rows())

    response = admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/verify", json={})

    assert response.status_code == 200, response.json
    assert response.json["is_verified"] is True
    assert response.json["verification_request"]["status"] == "verified"
    assert client.get(f"/api/v1/suppliers/{supplier.id}").json["is_verified"] is True
    rows = audit_rows()[before:]
    assert [(r.action, r.before_status, r.after_status) for r in rows] == [
        ("supplier.verify", "pending", "verified")
    ]
    # Deciding twice: nothing is waiting any more.
    again = admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/verify", json={})
    assert again.status_code == 409
    assert len(audit_rows()) == before + 1


def test_refusing_needs_a_reason_the_supplier_is_told(admin_api, owner_api, owner, supplier):
    request_verification(owner_api, supplier)
    path = f"/api/v1/admin/suppliers/{supplier.id}/verify"
    before = len(audit_rows())
    assert admin_api.post(path, json={"decision": "refuse"}).status_code == 422
    assert admin_api.post(path, json={"decision": "maybe"}).status_code == 422
    assert len(audit_rows()) == before

    reason = "The licence photo is unreadable."
    response = admin_api.post(path, json={"decision": "refuse", "reason": reason})

    assert response.status_code == 200
    assert response.json["verification_status"] == "refused"
    assert response.json["verification_request"]["decision_reason"] == reason
    (row,) = audit_rows("supplier.refuse_verification")
    assert row.reason == reason and row.after_status == "refused"
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == owner.id))
    assert reason in note.body
    # It may ask again.
    request_verification(owner_api, supplier)


def test_verify_without_a_pending_request_is_409(admin_api, supplier):
    response = admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/verify", json={})
    assert response.status_code == 409
    assert refresh(supplier).verification_status == VerificationStatus.UNVERIFIED
    assert audit_rows() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerificationRequest)) == 0


# Supplier suspension ---------------------------------------------------------------


def test_suspending_a_supplier_hides_everything_at_once_and_reinstating_shows_it_again(
    admin_api, login_as, owner, supplier, client
):
    published = make_product(supplier, S.PUBLISHED, name="Beach flip-flops, sunrise print")
    draft = make_product(supplier, S.DRAFT, sku="D-1")
    search = "/api/v1/products?q=sunrise"
    assert [i["id"] for i in client.get(search).json["items"]] == [published.id]

    response = admin_api.post(
        f"/api/v1/admin/suppliers/{supplier.id}/suspend", json={"reason": "Fake certificates."}
    )

    assert response.status_code == 200, response.json
    assert response.json["status"] == "suspended"
    assert client.get(search).json["items"] == []
    assert client.get(f"/api/v1/products/{published.id}").status_code == 404
    assert client.get(f"/api/v1/suppliers/{supplier.id}").status_code == 404
    assert supplier.id not in [s["id"] for s in client.get("/api/v1/suppliers").json["items"]]
    # Its members can sign in and look at their catalog, but not submit (read-only).
    member = login_as(owner)
    assert member.get(f"/api/v1/products/{published.id}").status_code == 200
    submit = member.post(f"/api/v1/products/{draft.id}/submit")
    assert submit.status_code == 403
    assert refresh(draft).status == S.DRAFT
    # Suspending again is a conflict and writes nothing.
    again = admin_api.post(
        f"/api/v1/admin/suppliers/{supplier.id}/suspend", json={"reason": "Twice."}
    )
    assert again.status_code == 409

    response = admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/reinstate")

    assert response.status_code == 200
    assert [i["id"] for i in client.get(search).json["items"]] == [published.id]
    assert client.get(f"/api/v1/products/{published.id}").status_code == 200
    rows = [
        (r.action, r.target_id, r.before_status, r.after_status, r.reason) for r in audit_rows()
    ]
    assert rows == [
        ("supplier.suspend", supplier.id, "active", "suspended", "Fake certificates."),
        ("supplier.reinstate", supplier.id, "suspended", "active", None),
    ]
    assert admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/reinstate").status_code == 409


def test_supplier_suspension_needs_a_reason(admin_api, supplier):
    path = f"/api/v1/admin/suppliers/{supplier.id}/suspend"
    assert admin_api.post(path, json={}).status_code == 422
    assert admin_api.post(path, json={"reason": "no"}).status_code == 422
    assert refresh(supplier).status == SupplierStatus.ACTIVE
    assert audit_rows() == []


def test_admin_supplier_list_filters_by_status(admin_api, supplier):
    suspended = SupplierStaffFactory().supplier
    suspended.status = SupplierStatus.SUSPENDED
    commit()
    items = admin_api.get("/api/v1/admin/suppliers?status=suspended").json["items"]
    assert [i["id"] for i in items] == [suspended.id]


# Users ---------------------------------------------------------------------------


def test_suspending_a_user_ends_sessions_and_tokens_at_once(admin_api, login_as, admin):
    buyer = BuyerFactory()
    browser = login_as(buyer)
    _token, secret = accounts.create_token(buyer, "ERP")
    commit()
    assert browser.get("/api/v1/auth/me").status_code == 200

    response = admin_api.post(
        f"/api/v1/admin/users/{buyer.id}/suspend", json={"reason": "Spam inquiries."}
    )

    assert response.status_code == 200, response.json
    assert response.json["status"] == "suspended"
    assert browser.get("/api/v1/auth/me").status_code == 401
    bearer = admin_api.client.application.test_client()
    me = bearer.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 401
    relogin = admin_api.client.application.test_client()
    csrf = relogin.get("/api/v1/auth/csrf").json["csrf_token"]
    refused = relogin.post(
        "/api/v1/auth/login",
        json={"email": buyer.email, "password": "correct horse battery staple"},
        headers={"X-CSRFToken": csrf},
    )
    assert refused.status_code == 401
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == buyer.id)
        )
        == 0
    )
    assert (
        db.session.scalar(sa.select(ApiToken.revoked_at).where(ApiToken.user_id == buyer.id))
        is not None
    )
    (row,) = audit_rows()
    assert (row.action, row.target_type, row.target_id, row.reason) == (
        "user.suspend",
        "user",
        buyer.id,
        "Spam inquiries.",
    )
    assert row.actor_id == admin.id

    response = admin_api.post(f"/api/v1/admin/users/{buyer.id}/reinstate")
    assert response.status_code == 200
    assert login_as(buyer).get("/api/v1/auth/me").status_code == 200
    assert [r.action for r in audit_rows()] == ["user.suspend", "user.reinstate"]


def test_admins_cannot_be_suspended_not_even_by_themselves(admin_api, admin):
    other = AdminFactory()
    for target in (admin, other):
        response = admin_api.post(
            f"/api/v1/admin/users/{target.id}/suspend", json={"reason": "Testing."}
        )
        assert response.status_code == 409
        assert refresh(target).status.value == "active"
    assert admin_api.get("/api/v1/auth/me").status_code == 200
    assert audit_rows() == []


def test_user_moves_from_the_wrong_state_are_409(admin_api):
    buyer = BuyerFactory()
    assert admin_api.post(f"/api/v1/admin/users/{buyer.id}/reinstate").status_code == 409
    assert (
        admin_api.post("/api/v1/admin/users/999999/suspend", json={"reason": "x" * 5}).status_code
        == 404
    )
    assert admin_api.post(f"/api/v1/admin/users/{buyer.id}/suspend", json={}).status_code == 422
    assert audit_rows() == []


def test_staff_suspension_is_on_the_companys_record(admin_api, supplier):
    staff = SupplierStaffFactory(supplier=supplier)
    admin_api.post(f"/api/v1/admin/users/{staff.id}/suspend", json={"reason": "Left the firm."})
    (row,) = audit_rows()
    assert row.supplier_id == supplier.id


def test_admin_user_search(admin_api):
    buyer = BuyerFactory(name="Maria Santos")
    items = admin_api.get("/api/v1/admin/users?q=santos").json["items"]
    assert [i["id"] for i in items] == [buyer.id]
    buyers = admin_api.get("/api/v1/admin/users?role=buyer").json["items"]
    assert {i["role"] for i in buyers} == {"buyer"}


def test_a_suspended_suppliers_staff_cannot_quote(admin_api, login_as):
    from marketplace.rfqs.models import Quotation
    from tests.rfqs.support import post_rfq, quote_payload, supplier_with_catalog

    supplier, owner = supplier_with_catalog("Quoting Factory", staff=1)
    staff = next(m for m in supplier.members if m.id != owner.id)
    rfq = post_rfq(BuyerFactory())
    admin_api.post(
        f"/api/v1/admin/suppliers/{supplier.id}/suspend", json={"reason": "Fake samples."}
    )

    response = login_as(staff).post(f"/api/v1/rfqs/{rfq.id}/quotations", json=quote_payload())

    assert response.status_code == 403, response.json
    assert response.json["message"].startswith("Your company is suspended")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quotation)) == 0
    admin_api.post(f"/api/v1/admin/suppliers/{supplier.id}/reinstate")
    again = login_as(staff).post(f"/api/v1/rfqs/{rfq.id}/quotations", json=quote_payload())
    assert again.status_code == 201, again.json

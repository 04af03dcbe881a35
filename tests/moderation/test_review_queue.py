"""The review queue and the admins' product moves, each with its one audit row (and none
when the move is refused)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxEmail
from tests.catalog.support import commit, make_product
from tests.factories import SupplierStaffFactory
from tests.moderation.conftest import audit_rows, refresh

S = ProductStatus


def url(product, action=""):
    return f"/api/v1/admin/products/{product.id}{'/' + action if action else ''}"


def test_queue_lists_pending_products_oldest_first_with_supplier_and_flags(admin_api, supplier):
    make_product(supplier, S.PENDING_REVIEW, sku="NEWER", name="Nike style EVA slides")
    older = make_product(supplier, S.PENDING_REVIEW, sku="OLDER")
    older.submitted_at = utcnow() - timedelta(days=2)
    make_product(supplier, S.DRAFT, sku="DRAFT")
    make_product(supplier, S.PUBLISHED, sku="LIVE")
    commit()

    response = admin_api.get("/api/v1/admin/products?status=pending_review")

    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [i["sku"] for i in items] == ["OLDER", "NEWER"]
    assert items[0]["supplier"]["name"] == supplier.name
    assert items[0]["price_tiers"] and items[0]["category"] == "eva-slippers"
    assert items[0]["flags"] == []
    assert [f["code"] for f in items[1]["flags"]] == ["prohibited_term"]
    assert "Nike" in items[1]["flags"][0]["reason"]


def test_the_queue_is_the_default_and_pages_with_a_cursor(admin_api, supplier):
    for n in range(3):
        make_product(supplier, S.PENDING_REVIEW, sku=f"Q{n}")
    first = admin_api.get("/api/v1/admin/products?limit=2").json
    assert [i["sku"] for i in first["items"]] == ["Q0", "Q1"]
    second = admin_api.get(f"/api/v1/admin/products?limit=2&cursor={first['next_cursor']}").json
    assert [i["sku"] for i in second["items"]] == ["Q2"]
    assert second["next_cursor"] is None
    assert admin_api.get("/api/v1/admin/products?cursor=forged").status_code == 422


def test_other_statuses_and_the_flagged_filter(admin_api, supplier):
    make_product(supplier, S.PENDING_REVIEW, sku="CLEAN")
    make_product(supplier, S.PENDING_REVIEW, sku="BRAND", name="Adidas look slides")
    make_product(supplier, S.PUBLISHED, sku="LIVE")
    flagged = admin_api.get("/api/v1/admin/products?flagged=true").json["items"]
    assert [i["sku"] for i in flagged] == ["BRAND"]
    clean = admin_api.get("/api/v1/admin/products?flagged=false").json["items"]
    assert [i["sku"] for i in clean] == ["CLEAN"]
    live = admin_api.get("/api/v1/admin/products?status=published").json["items"]
    assert [i["sku"] for i in live] == ["LIVE"]


def test_approve_publishes_with_one_audit_row(admin_api, admin, supplier, client):
    product = make_product(supplier, S.PENDING_REVIEW)
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404

    response = admin_api.post(url(product, "approve"))

    assert response.status_code == 200, response.json
    assert response.json["status"] == "published"
    assert refresh(product).status == S.PUBLISHED
    (row,) = audit_rows()
    assert (row.action, row.target_type, row.target_id) == (
        "product.approve",
        "product",
        product.id,
    )
    assert (row.before_status, row.after_status) == ("pending_review", "published")
    assert row.actor_id == admin.id and row.actor_email == admin.email
    assert row.actor_role == "admin" and row.supplier_id == supplier.id
    assert row.request_id and row.details["review_seconds"] >= 0
    # The public sees it now.
    assert client.get(f"/api/v1/products/{product.id}").status_code == 200


def test_reject_needs_a_reason_that_the_supplier_then_sees(admin_api, owner, owner_api, supplier):
    product = make_product(supplier, S.PENDING_REVIEW)
    staff = SupplierStaffFactory(supplier=supplier)

    for body in ({}, {"reason": ""}, {"reason": "  "}, {"reason": "x" * 1001}):
        response = admin_api.post(url(product, "reject"), json=body)
        assert response.status_code == 422, body
        assert "reason" in response.json["errors"]
    assert refresh(product).status == S.PENDING_REVIEW
    assert audit_rows() == []

    reason = "The photos show a different strap than the description."
    response = admin_api.post(url(product, "reject"), json={"reason": reason})

    assert response.status_code == 200
    assert response.json["status"] == "rejected"
    assert response.json["rejection_reason"] == reason
    (row,) = audit_rows()
    assert (row.action, row.before_status, row.after_status, row.reason) == (
        "product.reject",
        "pending_review",
        "rejected",
        reason,
    )
    seen = owner_api.get(f"/api/v1/products/{product.id}").json
    assert (seen["status"], seen["rejection_reason"]) == ("rejected", reason)
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "product.rejected")
    ).all()
    assert {n.user_id for n in told} == {owner.id, staff.id}
    assert all(reason in n.body for n in told)
    emails = db.session.scalars(sa.select(OutboxEmail.to_address)).all()
    assert sorted(emails) == sorted([owner.email, staff.email])


def test_suspend_needs_a_reason_and_reinstate_restores_the_state(admin_api, supplier, client):
    product = make_product(supplier, S.PUBLISHED)
    assert admin_api.post(url(product, "suspend"), json={}).status_code == 422
    assert audit_rows() == []

    response = admin_api.post(url(product, "suspend"), json={"reason": "Counterfeit logo."})
    assert response.status_code == 200
    assert response.json["status"] == "suspended"
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404

    response = admin_api.post(url(product, "reinstate"))
    assert response.status_code == 200
    assert response.json["status"] == "published"
    assert client.get(f"/api/v1/products/{product.id}").status_code == 200
    actions = [(r.action, r.before_status, r.after_status, r.reason) for r in audit_rows()]
    assert actions == [
        ("product.suspend", "published", "suspended", "Counterfeit logo."),
        ("product.reinstate", "suspended", "published", None),
    ]


@pytest.mark.parametrize(
    ("state", "action", "body"),
    [
        (S.DRAFT, "approve", None),
        (S.PUBLISHED, "approve", None),
        (S.REJECTED, "reject", {"reason": "Again?"}),
        (S.DRAFT, "reject", {"reason": "Not submitted."}),
        (S.SUSPENDED, "suspend", {"reason": "Twice."}),
        (S.ARCHIVED, "suspend", {"reason": "Archived."}),
        (S.PUBLISHED, "reinstate", None),
    ],
)
def test_a_move_from_the_wrong_state_is_409_and_leaves_no_trace(
    admin_api, supplier, state, action, body
):
    product = make_product(supplier, state)
    response = admin_api.post(url(product, action), json=body)
    assert response.status_code == 409, response.json
    assert refresh(product).status == state
    assert audit_rows() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_unknown_product_is_404_and_bodies_are_strict(admin_api, supplier):
    assert admin_api.post("/api/v1/admin/products/999999/approve").status_code == 404
    product = make_product(supplier, S.PENDING_REVIEW)
    response = admin_api.post(url(product, "reject"), json={"reason": "Bad", "status": "x"})
    assert response.status_code == 422
    assert "status" in response.json["errors"]


def test_a_failure_after_the_move_rolls_back_the_move_and_its_audit_row(
    admin_api, supplier, monkeypatch
):
    """The audit row is written in the action's transaction: if anything fails before the
    commit, neither the move nor the row remains."""
    from marketplace.moderation import services

    product = make_product(supplier, S.PENDING_REVIEW)

    def broken(*args, **kwargs):
        raise RuntimeError("the notification service broke")

    monkeypatch.setattr(services, "_notify_members", broken)
    response = admin_api.post(url(product, "approve"))
    assert response.status_code == 500
    assert refresh(product).status == S.PENDING_REVIEW
    assert audit_rows() == []


# No supplier-side route publishes --------------------------------------------------


def test_suppliers_cannot_publish_their_own_products(owner_api, supplier):
    product = make_product(supplier, S.PENDING_REVIEW)
    attempts = [
        # ``status`` is not a field a supplier may send.
        ("PATCH", f"/api/v1/products/{product.id}", {"status": "published"}, 422),
        # Submitting again does not move it on.
        ("POST", f"/api/v1/products/{product.id}/submit", None, 409),
        ("POST", url(product, "approve"), None, 403),  # the admin route
        ("POST", f"/api/v1/products/{product.id}/approve", None, 404),  # no such route
        ("POST", "/api/v1/products", {"sku": "X-1", "status": "published"}, 422),
    ]
    for method, path, body, status in attempts:
        response = owner_api.open(method, path, json=body)
        assert response.status_code == status, (path, response.json)
        if status == 422:
            assert "status" in response.json["errors"], response.json
    csv = "sku,name,category,moq,currency,price_tiers,status\n"
    csv += "IMP-1,EVA slides for the beach,eva-slippers,1000,USD,1000:1.20,published\n"
    response = owner_api.post(
        "/api/v1/catalog/import",
        data={"file": (io.BytesIO(csv.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    statuses = db.session.scalars(sa.select(Product.status)).all()
    assert statuses == [S.PENDING_REVIEW]


def test_a_published_product_edited_in_reviewed_fields_goes_back_to_the_queue_flagged(
    owner_api, admin_api, supplier
):
    product = make_product(supplier, S.PUBLISHED)
    response = owner_api.patch(
        f"/api/v1/products/{product.id}", json={"name": "Crocs compatible clogs"}
    )
    assert response.json["status"] == "pending_review"
    (item,) = admin_api.get("/api/v1/admin/products").json["items"]
    assert item["id"] == product.id
    assert [f["code"] for f in item["flags"]] == ["prohibited_term"]

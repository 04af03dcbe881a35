"""Reports: any logged-in user reports what they can see; an admin dismisses or removes
the target with a note; the reporter sees the outcome."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.moderation.models import Report
from marketplace.notifications.models import Notification
from marketplace.rfqs.models import RFQStatus
from marketplace.suppliers.models import SupplierStatus
from tests.catalog.support import make_product
from tests.factories import BuyerFactory, SupplierOwnerFactory
from tests.moderation.conftest import audit_rows, refresh
from tests.rfqs.support import post_rfq

S = ProductStatus


@pytest.fixture
def buyer():
    return BuyerFactory()


@pytest.fixture
def buyer_api(login_as, buyer):
    return login_as(buyer)


def report(client, target_type, target_id, reason="Looks like a counterfeit Crocs clog."):
    return client.post(
        "/api/v1/reports",
        json={"target_type": target_type, "target_id": target_id, "reason": reason},
    )


def count_reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def test_anyone_logged_in_reports_a_visible_product_and_follows_it(buyer_api, supplier):
    product = make_product(supplier, S.PUBLISHED)

    response = report(buyer_api, "product", product.id)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["target_type"], body["target_id"], body["status"]) == (
        "product",
        product.id,
        "open",
    )
    assert product.sku in body["target_label"]
    mine = buyer_api.get("/api/v1/reports").json["items"]
    assert [item["id"] for item in mine] == [body["id"]]
    # Not an admin action: no audit row for the report itself.
    assert audit_rows() == []


def test_what_the_reporter_cannot_see_is_404_and_nothing_is_written(buyer_api, supplier, client):
    draft = make_product(supplier, S.DRAFT)
    suspended = SupplierOwnerFactory().supplier
    suspended.status = SupplierStatus.SUSPENDED
    db.session.commit()
    for target_type, target_id in [
        ("product", draft.id),
        ("product", 999999),
        ("supplier", suspended.id),
        ("rfq", 999999),
    ]:
        assert report(buyer_api, target_type, target_id).status_code == 404
    assert count_reports() == 0
    anonymous = client.post("/api/v1/reports", json={})
    # The CSRF check comes before the login check.
    assert (anonymous.status_code, anonymous.json["message"]) == (
        400,
        "The CSRF token is missing.",
    )


def test_one_open_report_per_reporter_and_target(buyer_api, supplier, login_as):
    assert report(buyer_api, "supplier", supplier.id).status_code == 201
    assert report(buyer_api, "supplier", supplier.id).status_code == 409
    assert report(login_as(BuyerFactory()), "supplier", supplier.id).status_code == 201
    assert count_reports() == 2


def test_report_bodies_are_validated(buyer_api, supplier):
    for body in (
        {"target_type": "product", "target_id": 1},
        {"target_type": "user", "target_id": 1, "reason": "Spam account"},
        {"target_type": "supplier", "target_id": supplier.id, "reason": "  "},
        {"target_type": "supplier", "target_id": supplier.id, "reason": "Bad", "status": "x"},
        {"target_type": "supplier", "target_id": 2**31, "reason": "Too big an id"},
    ):
        assert buyer_api.post("/api/v1/reports", json=body).status_code == 422, body
    assert count_reports() == 0


def test_dismissing_tells_the_reporter_and_leaves_the_target(
    buyer_api, buyer, admin_api, admin, supplier
):
    product = make_product(supplier, S.PUBLISHED)
    report_id = report(buyer_api, "product", product.id).json["id"]
    listed = admin_api.get("/api/v1/admin/reports?status=open").json["items"]
    assert [(r["id"], r["reporter"]["email"], r["target_status"]) for r in listed] == [
        (report_id, buyer.email, "published")
    ]

    response = admin_api.post(
        f"/api/v1/admin/reports/{report_id}/resolve",
        json={"action": "dismiss", "note": "This is the supplier's own design."},
    )

    assert response.status_code == 200, response.json
    assert response.json["status"] == "dismissed"
    assert refresh(product).status == S.PUBLISHED
    (row,) = audit_rows()
    assert (row.action, row.target_type, row.target_id) == ("report.resolve", "product", product.id)
    assert (row.before_status, row.after_status) == ("published", "published")
    assert row.details["report_id"] == report_id and row.details["resolution"] == "dismissed"
    assert row.actor_id == admin.id and row.supplier_id == supplier.id
    (mine,) = buyer_api.get("/api/v1/reports").json["items"]
    assert mine["status"] == "dismissed"
    assert mine["resolution_note"] == "This is the supplier's own design."
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == buyer.id))
    assert note.kind == "report.resolved" and "took no action" in note.body
    assert admin_api.get("/api/v1/admin/reports?status=open").json["items"] == []


def test_removing_a_product_suspends_it_with_the_note_as_the_reason(
    buyer_api, admin_api, supplier, client
):
    product = make_product(supplier, S.PUBLISHED)
    report_id = report(buyer_api, "product", product.id).json["id"]
    path = f"/api/v1/admin/reports/{report_id}/resolve"
    assert admin_api.post(path, json={"action": "remove_target"}).status_code == 422
    assert admin_api.post(path, json={"action": "delete"}).status_code == 422
    assert audit_rows() == []

    response = admin_api.post(
        path, json={"action": "remove_target", "note": "Counterfeit brand logo."}
    )

    assert response.status_code == 200
    assert response.json["status"] == "target_removed"
    assert response.json["target_status"] == "suspended"
    product = refresh(product)
    assert (product.status, product.rejection_reason) == (S.SUSPENDED, "Counterfeit brand logo.")
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    (row,) = audit_rows()
    assert (row.action, row.before_status, row.after_status, row.reason) == (
        "report.resolve",
        "published",
        "suspended",
        "Counterfeit brand logo.",
    )
    assert buyer_api.get("/api/v1/reports").json["items"][0]["status"] == "target_removed"
    # Resolving twice is a conflict and writes nothing more.
    again = admin_api.post(path, json={"action": "dismiss"})
    assert again.status_code == 409
    assert len(audit_rows()) == 1


def test_removing_a_supplier_suspends_it(buyer_api, admin_api, supplier, client):
    make_product(supplier, S.PUBLISHED)
    report_id = report(buyer_api, "supplier", supplier.id).json["id"]
    response = admin_api.post(
        f"/api/v1/admin/reports/{report_id}/resolve",
        json={"action": "remove_target", "note": "Not a manufacturer."},
    )
    assert response.status_code == 200
    assert refresh(supplier).status == SupplierStatus.SUSPENDED
    assert client.get(f"/api/v1/suppliers/{supplier.id}").status_code == 404
    assert client.get("/api/v1/products").json["items"] == []
    assert [(r.action, r.target_type, r.after_status) for r in audit_rows()] == [
        ("report.resolve", "supplier", "suspended")
    ]


def test_an_rfq_can_be_reported_by_whoever_sees_it_and_removed(
    buyer_api, buyer, admin_api, login_as
):
    rfq = post_rfq(buyer)
    other_buyer = login_as(BuyerFactory())
    assert report(other_buyer, "rfq", rfq.id).status_code == 404
    report_id = report(buyer_api, "rfq", rfq.id, reason="Posted twice by mistake.").json["id"]

    response = admin_api.post(
        f"/api/v1/admin/reports/{report_id}/resolve",
        json={"action": "remove_target", "note": "Duplicate RFQ."},
    )

    assert response.status_code == 200, response.json
    assert refresh(rfq).status == RFQStatus.CANCELLED
    (row,) = audit_rows()
    assert (row.target_type, row.target_id, row.before_status, row.after_status) == (
        "rfq",
        rfq.id,
        "open",
        "cancelled",
    )


def test_reports_are_rate_limited_per_user(app, buyer_api, supplier):
    original = app.config["REPORT_LIMITS_PER_USER"]
    app.config["REPORT_LIMITS_PER_USER"] = "2 per hour"
    try:
        products = [make_product(supplier, S.PUBLISHED, sku=f"R{n}") for n in range(3)]
        statuses = [report(buyer_api, "product", p.id).status_code for p in products]
    finally:
        app.config["REPORT_LIMITS_PER_USER"] = original
    assert statuses == [201, 201, 429]
    assert count_reports() == 2

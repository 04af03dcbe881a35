"""The admin console's pages: what they show, and that each one-click form goes through
the same schema and service as the API (audit row included)."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import UserStatus
from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.moderation import reports
from marketplace.moderation.models import ReportTargetType
from marketplace.suppliers import services as supplier_services
from marketplace.suppliers.models import SupplierStatus, VerificationStatus
from tests.catalog.support import commit, make_product
from tests.factories import BuyerFactory, SupplierOwnerFactory
from tests.moderation.conftest import audit_rows, refresh

S = ProductStatus
HTML = {"Accept": "text/html"}


@pytest.fixture
def admin_page(login_as, admin):
    return login_as(admin)


def get(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def post(client, path, data):
    return client.post(path, data=data, headers=HTML)


def test_home_shows_the_headline_figures(admin_page, supplier, owner):
    make_product(supplier, S.PENDING_REVIEW, sku="P1")
    make_product(supplier, S.PENDING_REVIEW, sku="P2", name="Nike style slides")
    other = SupplierOwnerFactory().supplier
    other.status = SupplierStatus.SUSPENDED
    commit()
    html = get(admin_page, "/admin")
    assert "Waiting for review" in html
    assert '<a href="/admin/products">2</a>' in html
    assert "1 flagged" in html
    assert "Median time to review (30 days)" in html
    assert '/admin/suppliers?tab=suspended">1</a>' in html


def test_home_median_review_time(admin_page, supplier):
    product = make_product(supplier, S.PENDING_REVIEW)
    from datetime import timedelta

    from marketplace.db import utcnow

    product.submitted_at = utcnow() - timedelta(hours=5)
    commit()
    post(admin_page, f"/admin/products/{product.id}/approve", {})
    html = get(admin_page, "/admin")
    assert "5.0 h" in html


def test_queue_page_highlights_flags_and_approves_in_one_click(admin_page, supplier):
    flagged = make_product(supplier, S.PENDING_REVIEW, sku="F1", name="Havaianas type flip-flops")
    clean = make_product(supplier, S.PENDING_REVIEW, sku="C1")
    html = get(admin_page, "/admin/products")
    assert f'id="product-{flagged.id}"' in html
    assert 'class="review-item card is-flagged"' in html
    assert "flag-prohibited_term" in html and "Havaianas" in html
    assert html.index(f"product-{flagged.id}") < html.index(f"product-{clean.id}")

    response = post(
        admin_page,
        f"/admin/products/{clean.id}/approve",
        {"next": "/admin/products?status=pending_review"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/products?status=pending_review"
    assert refresh(clean).status == S.PUBLISHED
    assert [r.action for r in audit_rows()] == ["product.approve"]
    assert "Approved and published." in get(admin_page, "/admin/products")


def test_reject_from_the_page_needs_a_reason(admin_page, supplier):
    product = make_product(supplier, S.PENDING_REVIEW)
    response = post(admin_page, f"/admin/products/{product.id}/reject", {"reason": "  "})
    assert response.status_code == 302
    assert refresh(product).status == S.PENDING_REVIEW
    assert audit_rows() == []
    assert "Reason: Missing data for required field." in get(admin_page, "/admin/products")

    post(admin_page, f"/admin/products/{product.id}/reject", {"reason": "Photos are blurry."})
    product = refresh(product)
    assert (product.status, product.rejection_reason) == (S.REJECTED, "Photos are blurry.")
    assert [r.reason for r in audit_rows()] == ["Photos are blurry."]


def test_a_wrong_state_is_a_flash_message_not_a_change(admin_page, supplier):
    product = make_product(supplier, S.PUBLISHED)
    response = post(admin_page, f"/admin/products/{product.id}/approve", {"next": "//evil.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/products"  # never off-site
    assert "cannot be approved" in get(admin_page, "/admin/products")
    assert audit_rows() == []
    assert post(admin_page, "/admin/products/999999/approve", {}).status_code == 404


def test_other_statuses_show_suspend_and_reinstate(admin_page, supplier):
    live = make_product(supplier, S.PUBLISHED, sku="LIVE")
    html = get(admin_page, "/admin/products?status=published")
    assert f"/admin/products/{live.id}/suspend" in html
    post(admin_page, f"/admin/products/{live.id}/suspend", {"reason": "Counterfeit."})
    html = get(admin_page, "/admin/products?status=suspended")
    assert f"/admin/products/{live.id}/reinstate" in html
    post(admin_page, f"/admin/products/{live.id}/reinstate", {})
    assert refresh(live).status == S.PUBLISHED


def test_suppliers_page_shows_the_evidence_and_verifies(admin_page, owner, supplier):
    supplier_services.request_verification(
        supplier,
        business_licence_number="91350582MA2Y3K4L5X",
        evidence="Licence photo, factory audit 2026.",
        requested_by=owner,
    )
    commit()
    html = get(admin_page, "/admin/suppliers")
    assert supplier.name in html
    assert "91350582MA2Y3K4L5X" in html and "Licence photo, factory audit 2026." in html

    post(admin_page, f"/admin/suppliers/{supplier.id}/refuse", {"reason": ""})
    assert refresh(supplier).verification_status == VerificationStatus.PENDING
    post(admin_page, f"/admin/suppliers/{supplier.id}/verify", {})
    assert refresh(supplier).verification_status == VerificationStatus.VERIFIED
    assert [r.action for r in audit_rows()][-1] == "supplier.verify"
    assert supplier.name not in get(admin_page, "/admin/suppliers")  # nothing pending now


def test_refusal_reason_reaches_the_suppliers_profile_page(admin_page, login_as, owner, supplier):
    supplier_services.request_verification(
        supplier, business_licence_number="91350582MA2Y3K4L5X", evidence="", requested_by=owner
    )
    commit()
    post(admin_page, f"/admin/suppliers/{supplier.id}/refuse", {"reason": "Licence expired."})
    assert refresh(supplier).verification_status == VerificationStatus.REFUSED
    html = get(login_as(owner), "/dashboard/profile")
    assert "Licence expired." in html


def test_suspending_a_supplier_from_the_page_shows_the_reason_on_its_dashboard(
    admin_page, login_as, owner, supplier
):
    post(admin_page, f"/admin/suppliers/{supplier.id}/suspend", {"reason": "Fake BSCI."})
    assert refresh(supplier).status == SupplierStatus.SUSPENDED
    assert "Fake BSCI." in get(admin_page, "/admin/suppliers?tab=suspended")
    assert "Fake BSCI." in get(login_as(owner), "/dashboard")
    post(admin_page, f"/admin/suppliers/{supplier.id}/reinstate", {})
    assert refresh(supplier).status == SupplierStatus.ACTIVE


def test_reports_page_resolves(admin_page, supplier):
    product = make_product(supplier, S.PUBLISHED)
    reporter = BuyerFactory()
    report = reports.create_report(
        reporter,
        target_type=ReportTargetType.PRODUCT,
        target_id=product.id,
        reason="Fake brand logo on the strap.",
    )
    commit()
    html = get(admin_page, "/admin/reports")
    assert "Fake brand logo on the strap." in html and reporter.email in html

    post(admin_page, f"/admin/reports/{report.id}/resolve", {"action": "remove_target"})
    assert refresh(report).status.value == "open"  # a note is required to remove
    post(
        admin_page,
        f"/admin/reports/{report.id}/resolve",
        {"action": "remove_target", "note": "Counterfeit."},
    )
    assert refresh(report).status.value == "target_removed"
    assert refresh(product).status == S.SUSPENDED
    assert "Counterfeit." in get(admin_page, "/admin/reports?status=target_removed")
    assert "Fake brand logo" not in get(admin_page, "/admin/reports")


def test_users_page_suspends_and_reinstates(admin_page, admin):
    buyer = BuyerFactory(name="Spammy Buyer")
    html = get(admin_page, "/admin/users?q=spammy")
    assert f'id="user-{buyer.id}"' in html and f'id="user-{admin.id}"' not in html
    post(admin_page, f"/admin/users/{buyer.id}/suspend", {"reason": "Spam."})
    assert refresh(buyer).status == UserStatus.SUSPENDED
    post(admin_page, f"/admin/users/{buyer.id}/reinstate", {})
    assert refresh(buyer).status == UserStatus.ACTIVE
    post(admin_page, f"/admin/users/{admin.id}/suspend", {"reason": "Myself."})
    assert refresh(admin).status == UserStatus.ACTIVE


def test_terms_page_adds_and_removes(admin_page):
    post(admin_page, "/admin/prohibited-terms", {"term": "Slipper King"})
    html = get(admin_page, "/admin/prohibited-terms")
    assert "Slipper King" in html and "Birkenstock" in html
    (row,) = audit_rows("prohibited_term.add")
    post(admin_page, f"/admin/prohibited-terms/{row.target_id}/delete", {})
    assert "Slipper King" not in get(admin_page, "/admin/prohibited-terms")


def test_audit_log_page_filters(admin_page, admin, supplier):
    a = make_product(supplier, S.PENDING_REVIEW, sku="A")
    b = make_product(supplier, S.PENDING_REVIEW, sku="B")
    post(admin_page, f"/admin/products/{a.id}/approve", {})
    post(admin_page, f"/admin/products/{b.id}/reject", {"reason": "Wrong category."})
    html = get(admin_page, "/admin/audit-log")
    assert "product.approve" in html and "Wrong category." in html
    html = get(admin_page, "/admin/audit-log?action=product.approve&actor_email=&since=")
    assert "product.approve" in html and "Wrong category." not in html
    html = get(admin_page, f"/admin/audit-log?target_type=product&target_id={b.id}")
    assert "Wrong category." in html and "<code>product.approve</code>" not in html
    html = get(admin_page, "/admin/audit-log?since=not-a-date")
    assert "Not a valid date." in html


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/products",
        "/admin/suppliers",
        "/admin/reports",
        "/admin/users",
        "/admin/prohibited-terms",
        "/admin/audit-log",
    ],
)
def test_pages_are_for_admins_only(login_as, client, owner, path):
    assert client.get(path, headers=HTML).status_code == 302
    assert login_as(owner).get(path, headers=HTML).status_code == 403
    assert login_as(BuyerFactory()).get(path, headers=HTML).status_code == 403


def test_a_user_reports_from_a_page_form_and_follows_the_outcome(login_as, supplier, admin_page):
    product = make_product(supplier, S.PUBLISHED)
    buyer = login_as(BuyerFactory())
    response = post(
        buyer,
        "/reports",
        {
            "target_type": "product",
            "target_id": str(product.id),
            "reason": "Counterfeit logo on the strap.",
            "next": f"/products/{product.id}",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/{product.id}"
    html = get(buyer, "/reports")
    assert "Counterfeit logo on the strap." in html and "Being reviewed" in html

    (report,) = db.session.scalars(reports.reports_query()).all()
    post(
        admin_page,
        f"/admin/reports/{report.id}/resolve",
        {"action": "dismiss", "note": "It is the supplier's own registered design."},
    )
    html = get(buyer, "/reports")
    assert "No action taken" in html and "own registered design" in html


def test_page_report_errors_write_nothing(login_as, supplier):
    draft = make_product(supplier, S.DRAFT)
    buyer = login_as(BuyerFactory())
    hidden = {"target_type": "product", "target_id": str(draft.id), "reason": "Hidden draft."}
    assert post(buyer, "/reports", hidden).status_code == 404  # as absent as in the API
    for data in (
        {"target_type": "product", "target_id": "99999999999", "reason": "Too big."},
        {"target_type": "planet", "target_id": "1", "reason": "Unknown type."},
        {"target_type": "product", "target_id": str(draft.id), "reason": ""},
    ):
        assert post(buyer, "/reports", data).status_code == 302
        html = get(buyer, "/reports")  # the flash message says which field is wrong
        assert "Target id:" in html or "Target type:" in html or "Reason:" in html
    assert "You have not reported anything." in get(buyer, "/reports")

"""Rows for the moderation routes (issue 6): the admin API and pages, reports and the
supplier's own audit log.

Admin routes: 200/201/204 for the admin, 403 for every other logged-in principal, 401
(API) or a redirect to the login page (pages) for anonymous.  The objects (built once
per test with ``World.memo``): supplier A's product waiting for review, A's suspended
product, A's pending verification request, buyer X's open report on A's published
product, a prohibited term, a suspended buyer.
"""

from __future__ import annotations

from marketplace import transaction
from marketplace.accounts.models import UserStatus
from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.jobs.models import FailedTask
from marketplace.moderation import reports
from marketplace.moderation.models import ProhibitedTerm, Report, ReportTargetType
from marketplace.suppliers import services as supplier_services
from tests.authz.framework import (
    MEMBERS_OF_A,
    PRINCIPALS,
    SUSPENDED,
    Route,
    World,
    dashboard,
    logged_in,
    only,
)
from tests.catalog.support import make_product
from tests.factories import BuyerFactory

ID = "<int(max=2147483647):{}>"
API_PRODUCT = "/api/v1/admin/products/" + ID.format("product_id")
API_SUPPLIER = "/api/v1/admin/suppliers/" + ID.format("supplier_id")
API_USER = "/api/v1/admin/users/" + ID.format("user_id")
PAGE_PRODUCT = "/admin/products/" + ID.format("product_id")
PAGE_SUPPLIER = "/admin/suppliers/" + ID.format("supplier_id")
PAGE_USER = "/admin/users/" + ID.format("user_id")
ADMIN_ONLY = only(200, "admin")
REASON = {"reason": "Counterfeit brand logo."}


# The world's moderation objects -----------------------------------------------------


def pending_a(world: World) -> Product:
    return world.memo(
        "moderation:pending",
        lambda: make_product(world.supplier_a, ProductStatus.PENDING_REVIEW, sku="A-PENDING"),
    )


def suspended_a(world: World) -> Product:
    return world.memo(
        "moderation:suspended",
        lambda: make_product(world.supplier_a, ProductStatus.SUSPENDED, sku="A-SUSPENDED"),
    )


def verification_a(world: World):
    def make():
        request = supplier_services.request_verification(
            world.supplier_a,
            business_licence_number="91350582MA2Y3K4L5X",
            evidence="Licence photo.",
            requested_by=world.users["owner_a"],
        )
        transaction.commit()
        return request

    return world.memo("moderation:verification", make)


def report_x(world: World) -> Report:
    def make() -> Report:
        report = reports.create_report(
            world.users["buyer_x"],
            target_type=ReportTargetType.PRODUCT,
            target_id=world.published_a.id,
            reason="Looks like a counterfeit.",
        )
        transaction.commit()
        return report

    return world.memo("moderation:report", make)


def term(world: World) -> ProhibitedTerm:
    def make() -> ProhibitedTerm:
        entry = ProhibitedTerm(term="Slipper King", term_normalized="slipper king")
        db.session.add(entry)
        transaction.commit()
        return entry

    return world.memo("moderation:term", make)


def failed_task(world: World) -> FailedTask:
    def make() -> FailedTask:
        entry = FailedTask(task_name="rfqs.refresh_metrics", args=[[]], error="OperationalError")
        db.session.add(entry)
        transaction.commit()
        return entry

    return world.memo("moderation:failed-task", make)


def suspended_buyer(world: World):
    return world.memo(
        "moderation:suspended-buyer",
        lambda: BuyerFactory(status=UserStatus.SUSPENDED, suspended_reason="Spam."),
    )


def api(path_fn, suffix: str = ""):
    return lambda w: path_fn(w) + suffix


def admin_page(path: str | None = None, **kwargs) -> Route:
    """An admin console page: 200 for the admin, 403 for the others, the login page for
    anonymous."""
    return dashboard(only(200, "admin", anonymous=302), path, **kwargs)


def admin_form(path, form=lambda w: {}, success: str = "/admin") -> Route:
    """An admin console form: the admin's post is applied and redirected back; everyone
    else is refused and nothing is written."""
    return dashboard(
        only(302, "admin", anonymous=302),
        path,
        form=form,
        success=success,
        writes=("admin",),
    )


MATRIX: dict[tuple[str, str], Route] = {
    # Review queue ---------------------------------------------------------------------
    ("GET", "/api/v1/admin/products"): Route(ADMIN_ONLY),
    ("POST", f"{API_PRODUCT}/approve"): Route(
        ADMIN_ONLY, path=lambda w: f"/api/v1/admin/products/{pending_a(w).id}/approve"
    ),
    ("POST", f"{API_PRODUCT}/reject"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/products/{pending_a(w).id}/reject",
        json=lambda w: {"reason": "Photos are missing."},
    ),
    ("POST", f"{API_PRODUCT}/suspend"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/products/{w.published_a.id}/suspend",
        json=lambda w: REASON,
    ),
    ("POST", f"{API_PRODUCT}/reinstate"): Route(
        ADMIN_ONLY, path=lambda w: f"/api/v1/admin/products/{suspended_a(w).id}/reinstate"
    ),
    # Prohibited terms ----------------------------------------------------------------
    ("GET", "/api/v1/admin/prohibited-terms"): Route(ADMIN_ONLY),
    ("POST", "/api/v1/admin/prohibited-terms"): Route(
        only(201, "admin"), json=lambda w: {"term": w.unique("Brand ")}
    ),
    ("DELETE", "/api/v1/admin/prohibited-terms/" + ID.format("term_id")): Route(
        only(204, "admin"), path=lambda w: f"/api/v1/admin/prohibited-terms/{term(w).id}"
    ),
    # Suppliers and users -------------------------------------------------------------
    ("GET", "/api/v1/admin/suppliers"): Route(ADMIN_ONLY),
    ("POST", f"{API_SUPPLIER}/verify"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/suppliers/{verification_a(w).supplier_id}/verify",
        json=lambda w: {"decision": "verify"},
    ),
    ("POST", f"{API_SUPPLIER}/suspend"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/suppliers/{w.supplier_b.id}/suspend",
        json=lambda w: REASON,
    ),
    ("POST", f"{API_SUPPLIER}/reinstate"): Route(
        ADMIN_ONLY, path=lambda w: f"/api/v1/admin/suppliers/{w.suspended.id}/reinstate"
    ),
    ("GET", "/api/v1/admin/users"): Route(ADMIN_ONLY),
    ("POST", f"{API_USER}/suspend"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/users/{w.spare.id}/suspend",
        json=lambda w: {"reason": "Spam inquiries."},
    ),
    ("POST", f"{API_USER}/reinstate"): Route(
        ADMIN_ONLY, path=lambda w: f"/api/v1/admin/users/{suspended_buyer(w).id}/reinstate"
    ),
    # Reports -------------------------------------------------------------------------
    ("POST", "/api/v1/reports"): Route(
        # Anyone logged in reports what they can see: A's published product.
        logged_in(201),
        json=lambda w: {
            "target_type": "product",
            "target_id": w.published_a.id,
            "reason": "Looks like a counterfeit.",
        },
    ),
    ("GET", "/api/v1/reports"): Route(logged_in(200)),
    ("GET", "/api/v1/admin/reports"): Route(ADMIN_ONLY),
    ("POST", "/api/v1/admin/reports/" + ID.format("report_id") + "/resolve"): Route(
        ADMIN_ONLY,
        path=lambda w: f"/api/v1/admin/reports/{report_x(w).id}/resolve",
        json=lambda w: {"action": "dismiss", "note": "Original design."},
    ),
    # Audit log and figures -----------------------------------------------------------
    ("GET", "/api/v1/admin/audit-log"): Route(ADMIN_ONLY),
    ("GET", "/api/v1/admin/stats"): Route(ADMIN_ONLY),
    ("GET", "/api/v1/suppliers/" + ID.format("supplier_id") + "/audit-log"): Route(
        # A company's own record: its members and admins; 404 for every other account.
        only(200, *MEMBERS_OF_A, "admin", others=404),
        path=lambda w: f"/api/v1/suppliers/{w.supplier_a.id}/audit-log",
    ),
    # Admin console pages -------------------------------------------------------------
    ("GET", "/admin/products"): admin_page("/admin/products"),
    ("POST", PAGE_PRODUCT + "/<any(approve, reject, suspend, reinstate):action>"): admin_form(
        lambda w: f"/admin/products/{pending_a(w).id}/reject",
        form=lambda w: {"reason": "Photos are missing."},
        success="/admin/products",
    ),
    ("GET", "/admin/suppliers"): admin_page("/admin/suppliers"),
    ("POST", PAGE_SUPPLIER + "/<any(verify, refuse, suspend, reinstate):action>"): admin_form(
        lambda w: f"/admin/suppliers/{verification_a(w).supplier_id}/verify",
        success="/admin/suppliers",
    ),
    ("GET", "/admin/reports"): admin_page("/admin/reports"),
    ("POST", "/admin/reports/" + ID.format("report_id") + "/resolve"): admin_form(
        lambda w: f"/admin/reports/{report_x(w).id}/resolve",
        form=lambda w: {"action": "remove_target", "note": "Counterfeit."},
        success="/admin/reports",
    ),
    ("GET", "/admin/users"): admin_page("/admin/users"),
    ("POST", PAGE_USER + "/<any(suspend, reinstate):action>"): admin_form(
        lambda w: f"/admin/users/{w.spare.id}/suspend",
        form=lambda w: {"reason": "Spam inquiries."},
        success="/admin/users",
    ),
    ("GET", "/admin/prohibited-terms"): admin_page("/admin/prohibited-terms"),
    ("POST", "/admin/prohibited-terms"): admin_form(
        "/admin/prohibited-terms",
        form=lambda w: {"term": "Slipper Queen"},
        success="/admin/prohibited-terms",
    ),
    ("POST", "/admin/prohibited-terms/" + ID.format("term_id") + "/delete"): admin_form(
        lambda w: f"/admin/prohibited-terms/{term(w).id}/delete",
        success="/admin/prohibited-terms",
    ),
    ("GET", "/admin/audit-log"): admin_page("/admin/audit-log"),
    ("GET", "/admin/jobs"): admin_page("/admin/jobs"),
    ("POST", "/admin/jobs/" + ID.format("failed_id") + "/retry"): admin_form(
        lambda w: f"/admin/jobs/{failed_task(w).id}/retry", success="/admin/jobs"
    ),
    ("POST", "/admin/jobs/" + ID.format("failed_id") + "/dismiss"): admin_form(
        lambda w: f"/admin/jobs/{failed_task(w).id}/dismiss", success="/admin/jobs"
    ),
    # A signed-in user's reports (any role): the page form and the outcome list ------
    ("GET", "/reports"): dashboard(logged_in(200, anonymous=302), "/reports"),
    ("POST", "/reports"): dashboard(
        logged_in(302, anonymous=302),
        "/reports",
        form=lambda w: {
            "target_type": "product",
            "target_id": str(w.published_a.id),
            "reason": "Looks like a counterfeit.",
        },
        success="/reports",
        writes=tuple(p for p in PRINCIPALS if p != "anonymous"),
    ),
}

# Routes evaluated again against other objects: (method, rule, what differs, row).
EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "POST",
        f"{API_USER}/suspend",
        "an admin account (the admin's own)",
        Route(
            only(409, "admin"),
            path=lambda w: f"/api/v1/admin/users/{w.users['admin'].id}/suspend",
            json=lambda w: {"reason": "Locking myself out."},
        ),
    ),
    (
        "POST",
        f"{API_PRODUCT}/approve",
        "A's draft (not submitted)",
        Route(only(409, "admin"), path=lambda w: f"/api/v1/admin/products/{w.draft_a.id}/approve"),
    ),
    (
        "POST",
        f"{API_SUPPLIER}/verify",
        "a supplier with no pending request",
        Route(
            only(409, "admin"),
            path=lambda w: f"/api/v1/admin/suppliers/{w.supplier_b.id}/verify",
            json=lambda w: {},
        ),
    ),
    (
        "POST",
        "/api/v1/reports",
        "A's draft, which only A's members and admins see",
        Route(
            only(201, *MEMBERS_OF_A, "admin", others=404),
            json=lambda w: {
                "target_type": "product",
                "target_id": w.draft_a.id,
                "reason": "Testing who may see a draft.",
            },
        ),
    ),
    (
        "POST",
        PAGE_PRODUCT + "/<any(approve, reject, suspend, reinstate):action>",
        "a reject without a reason: refused with a message",
        dashboard(
            only(302, "admin", anonymous=302),
            lambda w: f"/admin/products/{pending_a(w).id}/reject",
            form=lambda w: {"reason": ""},
            success="/admin/products",
            writes=(),
        ),
    ),
    (
        "GET",
        "/api/v1/suppliers/" + ID.format("supplier_id") + "/audit-log",
        "the suspended company",
        Route(
            only(200, *SUSPENDED, "admin", others=404),
            path=lambda w: f"/api/v1/suppliers/{w.suspended.id}/audit-log",
        ),
    ),
]

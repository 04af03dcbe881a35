"""``/api/v1/admin/...`` (admins only: 401 anonymous, 403 everyone else), ``/api/v1/reports``
(anyone logged in) and ``/api/v1/suppliers/{id}/audit-log`` (the company's members)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace import ratelimit
from marketplace.accounts.models import Role, User
from marketplace.api_base import Blueprint
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEntry
from marketplace.catalog.models import Product, ProductStatus
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.moderation import checks, figures, reports, services, terms
from marketplace.moderation.models import ProhibitedTerm, Report
from marketplace.moderation.reports import reporter_key
from marketplace.moderation.schemas import (
    AdminProductListArgs,
    AdminProductListSchema,
    AdminProductSchema,
    AdminReportListArgs,
    AdminReportListSchema,
    AdminReportSchema,
    AdminSupplierListArgs,
    AdminSupplierListSchema,
    AdminSupplierSchema,
    AdminUserListArgs,
    AdminUserListSchema,
    AdminUserSchema,
    AuditEntryListSchema,
    AuditLogArgs,
    HeadlineFiguresSchema,
    ListArgs,
    ProhibitedTermCreateSchema,
    ProhibitedTermListSchema,
    ProhibitedTermSchema,
    RejectSchema,
    ReportCreateSchema,
    ReportListArgs,
    ReportListSchema,
    ReportSchema,
    ResolveSchema,
    SupplierAuditEntryListSchema,
    SupplierAuditLogArgs,
    SuspendSchema,
    VerifyDecisionSchema,
)
from marketplace.pagination import paginate_by_id
from marketplace.permissions import can_view_supplier_private, login_required
from marketplace.suppliers.models import Supplier

blp = Blueprint(
    "moderation",
    __name__,
    url_prefix="",
    description="Moderation: the admin console (admins only), reports, audit logs",
)

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
ID = f"<int(max={INT32_MAX})"
# OpenAPI links (api_base.Blueprint.links): the next moves on the same object, in the
# state the response leaves it in.
GET_PRODUCT = {"getProduct": "GET /products/{product_id}"}
REVIEW_LINKS = {
    **GET_PRODUCT,
    "approveProduct": "POST /admin/products/{product_id}/approve",
    "rejectProduct": "POST /admin/products/{product_id}/reject",
}
PUBLISHED_LINKS = {
    **GET_PRODUCT,
    "suspendProduct": "POST /admin/products/{product_id}/suspend",
    "updateProduct": "PATCH /products/{product_id}",
    "archiveProduct": "DELETE /products/{product_id}",
}
REJECTED_LINKS = {
    **GET_PRODUCT,
    "updateProduct": "PATCH /products/{product_id}",
    "submitProduct": "POST /products/{product_id}/submit",
}
SUSPENDED_LINKS = {**GET_PRODUCT, "reinstateProduct": "POST /admin/products/{product_id}/reinstate"}
GET_SUPPLIER = {"getSupplier": "GET /suppliers/{supplier_id}"}
ACTIVE_SUPPLIER_LINKS = {
    **GET_SUPPLIER,
    "suspendSupplier": "POST /admin/suppliers/{supplier_id}/suspend",
}
SUSPENDED_SUPPLIER_LINKS = {
    **GET_SUPPLIER,
    "reinstateSupplier": "POST /admin/suppliers/{supplier_id}/reinstate",
}
SUSPEND_USER = {"suspendUser": "POST /admin/users/{user_id}/suspend"}
REINSTATE_USER = {"reinstateUser": "POST /admin/users/{user_id}/reinstate"}
PRODUCT = f"/admin/products/{ID}:product_id>"
SUPPLIER = f"/admin/suppliers/{ID}:supplier_id>"
USER = f"/admin/users/{ID}:user_id>"
admin_only = login_required(Role.ADMIN)


class With:
    """An object seen through a schema with a few extra attributes (flags, evidence)."""

    def __init__(self, obj: Any, **extra: Any):
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


# Review queue --------------------------------------------------------------------


def reviewed(products: list[Product]) -> list[With]:
    flags = checks.flags_for(products)
    return [With(p, flags=flags[p.id]) for p in products]


def reviewed_one(product: Product) -> With:
    return reviewed([product])[0]


@blp.route("/admin/products", methods=["GET"])
@admin_only
@blp.arguments(AdminProductListArgs, location="query")
@blp.response(200, AdminProductListSchema)
@blp.links(200, {"product_id": "$response.body#/items/0/id"}, **REVIEW_LINKS)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def list_products(args):
    """The review queue: products waiting for review, oldest submission first, each with
    the automatic checks' `flags`. Other statuses can be listed (newest first)."""
    query = services.products_query(
        status=args["status"],
        supplier_id=args.get("supplier_id"),
        category=args.get("category"),
        flagged=args.get("flagged"),
        q=args.get("q"),
    )
    if args["status"] == ProductStatus.PENDING_REVIEW:
        page = services.paginate_queue(query, limit=args["limit"], cursor=args.get("cursor"))
    else:
        page = paginate_by_id(
            query, Product, limit=args["limit"], cursor=args.get("cursor"), salt="admin-products"
        )
    return {"items": reviewed(page["items"]), "next_cursor": page["next_cursor"]}


@blp.route(f"{PRODUCT}/approve", methods=["POST"])
@admin_only
@blp.response(200, AdminProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **PUBLISHED_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def approve_product(product_id):
    """Publish a product waiting for review (409 in any other state)."""
    product = services.approve_product(services.get_product(product_id))
    return reviewed_one(product)


@blp.route(f"{PRODUCT}/reject", methods=["POST"])
@admin_only
@blp.arguments(RejectSchema)
@blp.response(200, AdminProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **REJECTED_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def reject_product(data, product_id):
    """Reject a product waiting for review; the reason is shown to the supplier."""
    product = services.reject_product(services.get_product(product_id), data["reason"])
    return reviewed_one(product)


@blp.route(f"{PRODUCT}/suspend", methods=["POST"])
@admin_only
@blp.arguments(SuspendSchema)
@blp.response(200, AdminProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **SUSPENDED_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def suspend_product(data, product_id):
    """Hide a product from buyers; only an admin can reinstate it."""
    product = services.suspend_product(services.get_product(product_id), data["reason"])
    return reviewed_one(product)


@blp.route(f"{PRODUCT}/reinstate", methods=["POST"])
@admin_only
@blp.response(200, AdminProductSchema)
@blp.links(200, {"product_id": "$response.body#/id"}, **PUBLISHED_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def reinstate_product(product_id):
    """Lift a product's suspension: it returns to the state it was suspended from."""
    product = services.reinstate_product(services.get_product(product_id))
    return reviewed_one(product)


# Prohibited terms ----------------------------------------------------------------


@blp.route("/admin/prohibited-terms", methods=["GET"])
@admin_only
@blp.arguments(ListArgs, location="query")
@blp.response(200, ProhibitedTermListSchema)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def list_prohibited_terms(args):
    """The terms that flag a submitted product (brand names, mostly), newest first."""
    return paginate_by_id(
        db.select(ProhibitedTerm),
        ProhibitedTerm,
        limit=args["limit"],
        cursor=args.get("cursor"),
        salt="prohibited-terms",
    )


@blp.route("/admin/prohibited-terms", methods=["POST"])
@admin_only
@blp.arguments(ProhibitedTermCreateSchema)
@blp.response(201, ProhibitedTermSchema)
@blp.links(
    201, {"term_id": "$response.body#/id"}, deleteTerm="DELETE /admin/prohibited-terms/{term_id}"
)
@blp.errors(400, 401, 403, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def add_prohibited_term(data):
    """Add a term (409 if it is already listed, in any letter case)."""
    term = terms.add_prohibited_term(data["term"])
    return term


@blp.route(f"/admin/prohibited-terms/{ID}:term_id>", methods=["DELETE"])
@admin_only
@blp.response(204)
@blp.errors(400, 401, 403, 404)
@blp.doc(security=LOGGED_IN)
def delete_prohibited_term(term_id):
    terms.delete_prohibited_term(term_id)


# Suppliers -----------------------------------------------------------------------


def with_evidence(suppliers: list[Supplier]) -> list[With]:
    latest = services.latest_requests(s.id for s in suppliers)
    return [With(s, verification_request=latest.get(s.id)) for s in suppliers]


@blp.route("/admin/suppliers", methods=["GET"])
@admin_only
@blp.arguments(AdminSupplierListArgs, location="query")
@blp.response(200, AdminSupplierListSchema)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def list_suppliers(args):
    """Every supplier, suspended ones included, newest first, each with its latest
    verification request (`verification=pending`: those awaiting a decision)."""
    query = services.suppliers_query(
        verification=args.get("verification"), status=args.get("status"), q=args.get("q")
    )
    page = paginate_by_id(
        query, Supplier, limit=args["limit"], cursor=args.get("cursor"), salt="admin-suppliers"
    )
    return {"items": with_evidence(page["items"]), "next_cursor": page["next_cursor"]}


@blp.route(f"{SUPPLIER}/verify", methods=["POST"])
@admin_only
@blp.arguments(VerifyDecisionSchema)
@blp.response(200, AdminSupplierSchema)
@blp.links(200, {"supplier_id": "$response.body#/id"}, **ACTIVE_SUPPLIER_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def verify_supplier(data, supplier_id):
    """Decide the supplier's pending verification request: `{"decision": "verify"}` (the
    default, an empty body will do) or `{"decision": "refuse", "reason": "..."}`.
    409 when no request is waiting."""
    supplier = services.get_supplier(supplier_id)
    services.decide_verification(supplier, decision=data["decision"], reason=data.get("reason"))
    return with_evidence([supplier])[0]


@blp.route(f"{SUPPLIER}/suspend", methods=["POST"])
@admin_only
@blp.arguments(SuspendSchema)
@blp.response(200, AdminSupplierSchema)
@blp.links(200, {"supplier_id": "$response.body#/id"}, **SUSPENDED_SUPPLIER_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def suspend_supplier(data, supplier_id):
    """Suspend a supplier: its page and all its products vanish from the marketplace at
    once; its members can sign in but cannot submit products or quote."""
    supplier = services.suspend_supplier(services.get_supplier(supplier_id), data["reason"])
    return with_evidence([supplier])[0]


@blp.route(f"{SUPPLIER}/reinstate", methods=["POST"])
@admin_only
@blp.response(200, AdminSupplierSchema)
@blp.links(200, {"supplier_id": "$response.body#/id"}, **ACTIVE_SUPPLIER_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def reinstate_supplier(supplier_id):
    """Lift a supplier's suspension: its published products are visible again."""
    supplier = services.reinstate_supplier(services.get_supplier(supplier_id))
    return with_evidence([supplier])[0]


# Users ---------------------------------------------------------------------------


@blp.route("/admin/users", methods=["GET"])
@admin_only
@blp.arguments(AdminUserListArgs, location="query")
@blp.response(200, AdminUserListSchema)
@blp.links(200, {"user_id": "$response.body#/items/0/id"}, **SUSPEND_USER)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def list_users(args):
    """Accounts, newest first; `q` searches e-mails and names."""
    query = services.users_query(q=args.get("q"), role=args.get("role"), status=args.get("status"))
    return paginate_by_id(
        query, User, limit=args["limit"], cursor=args.get("cursor"), salt="admin-users"
    )


@blp.route(f"{USER}/suspend", methods=["POST"])
@admin_only
@blp.arguments(SuspendSchema)
@blp.response(200, AdminUserSchema)
@blp.links(200, {"user_id": "$response.body#/id"}, **REINSTATE_USER)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def suspend_user(data, user_id):
    """Suspend an account: its sessions and API tokens stop working at once. Admin
    accounts (your own included) cannot be suspended: 409."""
    user = services.suspend_user(services.get_user(user_id), data["reason"])
    return user


@blp.route(f"{USER}/reinstate", methods=["POST"])
@admin_only
@blp.response(200, AdminUserSchema)
@blp.links(200, {"user_id": "$response.body#/id"}, **SUSPEND_USER)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def reinstate_user(user_id):
    """Let a suspended account sign in again (old sessions and tokens stay ended)."""
    user = services.reinstate_user(services.get_user(user_id))
    return user


# Reports -------------------------------------------------------------------------


@blp.route("/reports", methods=["POST"], tags=["reports"])
@login_required(writes_company=False)  # anyone signed in may report
@ratelimit.limit("report", key=reporter_key)  # before parsing: malformed ones count too
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
@blp.links(
    201,
    {"report_id": "$response.body#/id"},
    resolveReport="POST /admin/reports/{report_id}/resolve",
)
@blp.errors(400, 401, 404, 409, 415, 422, 429)
@blp.doc(security=LOGGED_IN)
def create_report(data):
    """Report a product, supplier or RFQ you can see (404 otherwise) to the platform team.
    One open report per target; follow its outcome in `GET /reports`."""
    report = reports.create_report(current_user, **data)
    return report


@blp.route("/reports", methods=["GET"], tags=["reports"])
@login_required()
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def my_reports(args):
    """Your reports, newest first, with their outcome."""
    query = reports.reports_query(status=args.get("status"), reporter_id=current_user.id)
    return paginate_by_id(
        query, Report, limit=args["limit"], cursor=args.get("cursor"), salt="my-reports"
    )


def with_target_status(items: list[Report]) -> list[With]:
    found = reports.targets_of(items)
    return [
        With(r, target_status=target.status if (target := found[r.id]) else None) for r in items
    ]


@blp.route("/admin/reports", methods=["GET"])
@admin_only
@blp.arguments(AdminReportListArgs, location="query")
@blp.response(200, AdminReportListSchema)
@blp.links(
    200,
    {"report_id": "$response.body#/items/0/id"},
    resolveReport="POST /admin/reports/{report_id}/resolve",
)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def list_reports(args):
    """Reports from users, newest first; `status=open` for those waiting."""
    query = reports.reports_query(status=args.get("status"), target_type=args.get("target_type"))
    page = paginate_by_id(
        query, Report, limit=args["limit"], cursor=args.get("cursor"), salt="admin-reports"
    )
    return {"items": with_target_status(page["items"]), "next_cursor": page["next_cursor"]}


@blp.route(f"/admin/reports/{ID}:report_id>/resolve", methods=["POST"])
@admin_only
@blp.arguments(ResolveSchema)
@blp.response(200, AdminReportSchema)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def resolve_report(data, report_id):
    """Dismiss a report, or remove its target (suspend the product or supplier, close the
    RFQ); the reporter is told the outcome. 409 if it was resolved already."""
    report = reports.resolve_report(
        reports.get_report(report_id), action=data["action"], note=data.get("note")
    )
    return with_target_status([report])[0]


# Audit log and figures ------------------------------------------------------------


@blp.route("/admin/audit-log", methods=["GET"])
@admin_only
@blp.arguments(AuditLogArgs, location="query")
@blp.response(200, AuditEntryListSchema)
@blp.errors(400, 401, 403, 422)
@blp.doc(security=LOGGED_IN)
def audit_log(args):
    """Every admin action and sensitive supplier action, newest first: actor, action,
    target, status before and after, reason, time and request id."""
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    return paginate_by_id(
        audit.entries_query(**filters),
        AuditEntry,
        limit=args["limit"],
        cursor=args.get("cursor"),
        salt="audit-log",
    )


@blp.route(f"/suppliers/{ID}:supplier_id>/audit-log", methods=["GET"], tags=["suppliers"])
@login_required()
@blp.arguments(SupplierAuditLogArgs, location="query")
@blp.response(200, SupplierAuditEntryListSchema)
@blp.errors(400, 401, 404, 422)
@blp.doc(security=LOGGED_IN)
def supplier_audit_log(args, supplier_id):
    """Your company's entries (its members; admins too): team changes, imports and the
    platform's decisions about the company and its products, newest first."""
    if db.session.get(Supplier, supplier_id) is None or not can_view_supplier_private(
        current_user, supplier_id
    ):
        raise NotFound("Supplier not found.")
    query = audit.entries_query(
        supplier_id=supplier_id,
        action=args.get("action"),
        since=args.get("since"),
        until=args.get("until"),
    )
    return paginate_by_id(
        query, AuditEntry, limit=args["limit"], cursor=args.get("cursor"), salt="supplier-audit"
    )


@blp.route("/admin/stats", methods=["GET"])
@admin_only
@blp.response(200, HeadlineFiguresSchema)
@blp.errors(401, 403)
@blp.doc(security=LOGGED_IN)
def headline_figures():
    """Queue length, median time to review over 30 days, suppliers by status, open reports."""
    return figures.headline_figures()

"""Admin console pages: headline figures, the review queue, suppliers and verification,
reports, users, the prohibited terms and the audit log.

As on the supplier pages, nothing is validated here: a form becomes the API's request
body and goes through the same schema and service as the API, and every action writes
its audit row there.  Each action is one small form (one click, no JavaScript); it
answers with a redirect back to the list it came from and a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace import ratelimit
from marketplace.accounts.models import Role, User, UserStatus
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEntry
from marketplace.catalog.models import Product, ProductStatus
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.moderation import checks, figures, reports, services, terms
from marketplace.moderation.models import ProhibitedTerm, Report, ReportStatus
from marketplace.moderation.reports import reporter_key
from marketplace.moderation.schemas import (
    AdminProductListArgs,
    AdminReportListArgs,
    AdminSupplierListArgs,
    AdminUserListArgs,
    AuditLogArgs,
    ProhibitedTermCreateSchema,
    RejectSchema,
    ReportCreateSchema,
    ResolveSchema,
    SuspendSchema,
    VerifyDecisionSchema,
)
from marketplace.pagination import paginate_by_id
from marketplace.permissions import login_required
from marketplace.suppliers.models import Supplier, SupplierStatus, VerificationStatus
from marketplace.web import bp
from marketplace.web.safe_next import safe_next

admin_only = login_required(Role.ADMIN)
ID = "<int(max=2147483647):{}>"
PAGE_SIZE = 20

ACTION_LABELS = {
    "product.approve": _l("Product approved"),
    "product.reject": _l("Product rejected"),
    "product.suspend": _l("Product suspended"),
    "product.reinstate": _l("Product reinstated"),
    "product.flagged_after_change": _l("Change flagged, product back in review"),
    "supplier.verify": _l("Supplier verified"),
    "supplier.refuse_verification": _l("Verification refused"),
    "supplier.verification_requested": _l("Verification requested"),
    "supplier.identity_change": _l("Company name or address changed"),
    "supplier.suspend": _l("Supplier suspended"),
    "supplier.reinstate": _l("Supplier reinstated"),
    "supplier.member_added": _l("Team member added"),
    "supplier.member_removed": _l("Team member removed"),
    "user.suspend": _l("Account suspended"),
    "user.reinstate": _l("Account reinstated"),
    "report.resolve": _l("Report resolved"),
    "catalog.import": _l("Catalog imported"),
    "prohibited_term.add": _l("Prohibited term added"),
    "prohibited_term.delete": _l("Prohibited term removed"),
    "quotation.accept": _l("Quotation accepted"),
    "sample.request": _l("Samples requested"),
    "sample.quote": _l("Sample terms sent"),
    "sample.accept": _l("Sample terms accepted"),
    "sample.ship": _l("Samples shipped"),
    "sample.receive": _l("Samples received"),
    "sample.decline": _l("Sample request declined"),
    "sample.cancel": _l("Sample request cancelled"),
    "task.retry": _l("Failed task run again"),
    "task.dismiss": _l("Failed task dismissed"),
}
FLAG_LABELS = {
    "prohibited_term": _l("Prohibited term"),
    "near_duplicate": _l("Near duplicate"),
    "price_outlier": _l("Price or MOQ outlier"),
}


@bp.app_template_filter("audit_action")
def audit_action_filter(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@bp.app_template_filter("flag_label")
def flag_label_filter(code: str) -> str:
    label = FLAG_LABELS.get(code)
    return str(label) if label is not None else code


@bp.app_template_filter("refusal_reason")
def refusal_reason_filter(supplier: Supplier) -> str | None:
    """Why the company's latest verification request was refused (its profile page)."""
    latest = services.latest_requests([supplier.id]).get(supplier.id)
    if latest is None or latest.status != VerificationStatus.REFUSED:
        return None
    return latest.decision_reason


# Helpers -------------------------------------------------------------------------


def query_args(
    schema: ma.Schema, skip: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A list page's filters through the API's own query schema (blank fields ignored)."""
    raw = {
        key: value
        for key, value in request.args.items()
        if value.strip() and key in schema.fields and key not in skip
    }
    try:  # a QuerySchema, as in the API: "20" is an integer in a query string
        return schema.load(raw), {}
    except ma.ValidationError as exc:
        return schema.load({}), {k: [str(m) for m in v] for k, v in _flat(exc.messages).items()}


def _flat(messages: Any) -> dict[str, list]:
    if isinstance(messages, dict):
        return {k: (v if isinstance(v, list) else [str(v)]) for k, v in messages.items()}
    return {"_form": list(messages)}


def form_body(*names: str) -> dict[str, Any]:
    """The posted fields named like the API's, blank ones left out."""
    body = {}
    for name in names:
        value = (request.form.get(name) or "").strip()
        if value:
            body[name] = value
    return body


def back(default_endpoint: str) -> Any:
    return redirect(safe_next(request.form.get("next"), default=url_for(default_endpoint)))


def run_action(
    schema: ma.Schema | None, body: dict[str, Any], action: Callable[[dict], Any], done: str
) -> None:
    """Load ``body`` with the API schema, run the service and commit; flash the outcome."""
    try:
        data = schema.load(body) if schema is not None else {}
        action(data)
    except ma.ValidationError as exc:
        db.session.rollback()
        flash(
            " ".join(
                f"{field.replace('_', ' ').capitalize()}: {' '.join(map(str, messages))}"
                for field, messages in _flat(exc.messages).items()
            ),
            "error",
        )
        return
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return
    flash(done, "success")


def admin_template(name: str, **context: Any):
    return render_template(f"admin/{name}", **context)


# Home ------------------------------------------------------------------------------


@bp.get("/admin")
@admin_only
def admin_home():
    return render_template("dashboard/admin_home.html", figures=figures.headline_figures())


# Review queue ------------------------------------------------------------------------

QUEUE_TABS = (
    ("pending_review", _l("Waiting for review")),
    ("published", _l("Published")),
    ("suspended", _l("Suspended")),
    ("rejected", _l("Rejected")),
)


@bp.get("/admin/products")
@admin_only
def admin_review_queue():
    args, errors = query_args(AdminProductListArgs())
    query = services.products_query(
        status=args["status"],
        supplier_id=args.get("supplier_id"),
        category=args.get("category"),
        flagged=args.get("flagged"),
        q=args.get("q"),
    )
    if args["status"] == ProductStatus.PENDING_REVIEW:
        page = services.paginate_queue(query, limit=PAGE_SIZE, cursor=args.get("cursor"))
    else:
        page = paginate_by_id(
            query, Product, limit=PAGE_SIZE, cursor=args.get("cursor"), salt="admin-products"
        )
    return admin_template(
        "queue.html",
        page=page,
        flags=checks.flags_for(page["items"]),
        status=args["status"].value,
        flagged=args.get("flagged"),
        tabs=QUEUE_TABS,
        errors=errors,
        queue_length=figures.queue_length(),
    )


PRODUCT_ACTIONS = {
    "approve": (None, lambda p, d: services.approve_product(p), _l("Approved and published.")),
    "reject": (
        RejectSchema,
        lambda p, d: services.reject_product(p, d["reason"]),
        _l("Rejected; the supplier sees your reason."),
    ),
    "suspend": (
        SuspendSchema,
        lambda p, d: services.suspend_product(p, d["reason"]),
        _l("Product suspended."),
    ),
    "reinstate": (None, lambda p, d: services.reinstate_product(p), _l("Product reinstated.")),
}


@bp.post(
    "/admin/products/"
    + ID.format("product_id")
    + "/<any(approve, reject, suspend, reinstate):action>"
)
@admin_only
def admin_product_action(product_id: int, action: str):
    product = db.session.get(Product, product_id) or abort(404)
    schema, service, done = PRODUCT_ACTIONS[action]
    run_action(
        schema() if schema else None,
        form_body("reason"),
        lambda data: service(product, data),
        str(done),
    )
    return back("web.admin_review_queue")


# Suppliers -------------------------------------------------------------------------

SUPPLIER_TABS = (
    ("pending", _l("Awaiting verification")),
    ("suspended", _l("Suspended")),
    ("all", _l("All suppliers")),
)


@bp.get("/admin/suppliers")
@admin_only
def admin_suppliers():
    tab = request.args.get("tab") or "pending"
    if tab not in {t for t, _label in SUPPLIER_TABS}:
        tab = "pending"
    args, errors = query_args(AdminSupplierListArgs())
    query = services.suppliers_query(
        verification=VerificationStatus.PENDING if tab == "pending" else args.get("verification"),
        status=SupplierStatus.SUSPENDED if tab == "suspended" else args.get("status"),
        q=args.get("q"),
    )
    page = paginate_by_id(
        query, Supplier, limit=PAGE_SIZE, cursor=args.get("cursor"), salt="admin-suppliers"
    )
    return admin_template(
        "suppliers.html",
        page=page,
        requests=services.latest_requests(s.id for s in page["items"]),
        tab=tab,
        tabs=SUPPLIER_TABS,
        errors=errors,
    )


SUPPLIER_ACTIONS = {
    "verify": (
        VerifyDecisionSchema,
        lambda s, d: services.decide_verification(s, decision="verify", reason=d.get("reason")),
        _l("Supplier verified."),
    ),
    "refuse": (
        VerifyDecisionSchema,
        lambda s, d: services.decide_verification(s, decision="refuse", reason=d.get("reason")),
        _l("Verification refused; the supplier sees your reason."),
    ),
    "suspend": (
        SuspendSchema,
        lambda s, d: services.suspend_supplier(s, d["reason"]),
        _l("Supplier suspended: its page and products are hidden."),
    ),
    "reinstate": (
        None,
        lambda s, d: services.reinstate_supplier(s),
        _l("Supplier reinstated."),
    ),
}


@bp.post(
    "/admin/suppliers/"
    + ID.format("supplier_id")
    + "/<any(verify, refuse, suspend, reinstate):action>"
)
@admin_only
def admin_supplier_action(supplier_id: int, action: str):
    supplier = db.session.get(Supplier, supplier_id) or abort(404)
    schema, service, done = SUPPLIER_ACTIONS[action]
    body = form_body("reason")
    if action in ("verify", "refuse"):
        body["decision"] = action
    run_action(schema() if schema else None, body, lambda data: service(supplier, data), str(done))
    return back("web.admin_suppliers")


# Reports ---------------------------------------------------------------------------

REPORT_TABS = (
    ("open", _l("Open")),
    ("target_removed", _l("Target removed")),
    ("dismissed", _l("Dismissed")),
    ("all", _l("All")),
)


@bp.get("/admin/reports")
@admin_only
def admin_reports():
    wanted = request.args.get("status") or "open"
    status = None if wanted == "all" else ReportStatus.OPEN
    if wanted in {s.value for s in ReportStatus}:
        status = ReportStatus(wanted)
    args, errors = query_args(AdminReportListArgs(), skip=("status",))
    query = reports.reports_query(status=status, target_type=args.get("target_type"))
    page = paginate_by_id(
        query, Report, limit=PAGE_SIZE, cursor=args.get("cursor"), salt="admin-reports"
    )
    return admin_template(
        "reports.html",
        page=page,
        targets=reports.targets_of(page["items"]),
        status=status.value if status else "all",
        tabs=REPORT_TABS,
        errors=errors,
    )


@bp.post("/admin/reports/" + ID.format("report_id") + "/resolve")
@admin_only
def admin_report_resolve(report_id: int):
    report = db.session.get(Report, report_id) or abort(404)
    body = form_body("action", "note")
    done = (
        _("Report resolved: the target was removed.")
        if body.get("action") == "remove_target"
        else _("Report dismissed.")
    )
    run_action(
        ResolveSchema(),
        body,
        lambda data: reports.resolve_report(report, action=data["action"], note=data.get("note")),
        done,
    )
    return back("web.admin_reports")


# Users -----------------------------------------------------------------------------


@bp.get("/admin/users")
@admin_only
def admin_users():
    args, errors = query_args(AdminUserListArgs())
    query = services.users_query(q=args.get("q"), role=args.get("role"), status=args.get("status"))
    page = paginate_by_id(
        query, User, limit=PAGE_SIZE, cursor=args.get("cursor"), salt="admin-users"
    )
    return admin_template(
        "users.html",
        page=page,
        errors=errors,
        roles=[r.value for r in Role],
        statuses=[s.value for s in UserStatus],
    )


@bp.post("/admin/users/" + ID.format("user_id") + "/<any(suspend, reinstate):action>")
@admin_only
def admin_user_action(user_id: int, action: str):
    user = db.session.get(User, user_id) or abort(404)
    if action == "suspend":
        run_action(
            SuspendSchema(),
            form_body("reason"),
            lambda data: services.suspend_user(user, data["reason"]),
            _("Account suspended: its sessions and tokens have ended."),
        )
    else:
        run_action(None, {}, lambda data: services.reinstate_user(user), _("Account reinstated."))
    return back("web.admin_users")


# Prohibited terms ------------------------------------------------------------------


@bp.get("/admin/prohibited-terms")
@admin_only
def admin_prohibited_terms():
    entries = db.session.scalars(db.select(ProhibitedTerm).order_by(ProhibitedTerm.term_normalized))
    return admin_template("terms.html", terms=list(entries))


@bp.post("/admin/prohibited-terms")
@admin_only
def admin_prohibited_term_add():
    run_action(
        ProhibitedTermCreateSchema(),
        form_body("term"),
        lambda data: terms.add_prohibited_term(data["term"]),
        _("Term added: products submitted from now on are checked for it."),
    )
    return redirect(url_for("web.admin_prohibited_terms"))


@bp.post("/admin/prohibited-terms/" + ID.format("term_id") + "/delete")
@admin_only
def admin_prohibited_term_delete(term_id: int):
    run_action(
        None,
        {},
        lambda data: terms.delete_prohibited_term(term_id),
        _("Term removed from the list."),
    )
    return redirect(url_for("web.admin_prohibited_terms"))


# Audit log -------------------------------------------------------------------------


@bp.get("/admin/audit-log")
@admin_only
def admin_audit_log():
    args, errors = query_args(AuditLogArgs())
    filters = {k: v for k, v in args.items() if k not in ("limit", "cursor")}
    page = paginate_by_id(
        audit.entries_query(**filters),
        AuditEntry,
        limit=50,
        cursor=args.get("cursor"),
        salt="audit-log",
    )
    return admin_template(
        "audit_log.html",
        page=page,
        errors=errors,
        actions=sorted(ACTION_LABELS),
        target_types=[
            "product",
            "supplier",
            "user",
            "report",
            "rfq",
            "quotation",
            "sample_request",
        ],
        filters={k: request.args.get(k, "") for k in AuditLogArgs().fields if k != "cursor"},
    )


# Reports from any signed-in user ---------------------------------------------------
# The public pages can offer a "Report" form posting here (fields named like the API's:
# target_type, target_id, reason, plus next); the reporter follows the outcome on /reports.


@bp.get("/reports")
@login_required()
def my_reports():
    page = paginate_by_id(
        reports.reports_query(reporter_id=current_user.id),
        Report,
        limit=PAGE_SIZE,
        cursor=request.args.get("cursor") or None,
        salt="my-reports-page",
    )
    return render_template("admin/my_reports.html", page=page)


@bp.post("/reports")
@login_required(writes_company=False)  # anyone signed in may report
@ratelimit.limit("report", key=reporter_key)  # the API's allowance; a 429 error page
def report_create():
    body = form_body("target_type", "target_id", "reason")
    if body.get("target_id", "").isdigit() and len(body["target_id"]) <= 10:
        body["target_id"] = int(body["target_id"])
    run_action(
        ReportCreateSchema(),
        body,
        lambda data: reports.create_report(current_user, **data),
        _("Thank you. The platform team will look into your report; follow it on this page."),
    )
    return redirect(safe_next(request.form.get("next"), default=url_for("web.my_reports")))

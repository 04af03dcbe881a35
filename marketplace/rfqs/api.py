"""``/api/v1/rfqs`` and ``/api/v1/quotations``: RFQs broadcast to matching suppliers,
their quotations and the buyer's decision; ``GET /api/v1/suppliers/<id>/stats`` (it counts
quotations and inquiries).  Also the ``flask sourcing`` commands."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask_login import current_user

from marketplace import transaction
from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.fields import INT32_MAX
from marketplace.pagination import paginate_by_id
from marketplace.permissions import can_view_supplier_private, login_required
from marketplace.rfqs import services, stats
from marketplace.rfqs.models import Quotation, QuotationRevision
from marketplace.rfqs.presenters import quotation_view, rfq_view
from marketplace.rfqs.schemas import (
    PageArgs,
    QuotationInputSchema,
    QuotationListArgs,
    QuotationListSchema,
    QuotationRevisionListSchema,
    QuotationSchema,
    RFQCreateSchema,
    RFQListArgs,
    RFQListSchema,
    RFQQuotationListArgs,
    RFQSchema,
)
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.schemas import SupplierStatsSchema

blp = Blueprint(
    "rfqs", __name__, url_prefix="", description="RFQs and quotations", cli_group="sourcing"
)

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
RFQ = f"/rfqs/<int(max={INT32_MAX}):rfq_id>"
QUOTATION = f"/quotations/<int(max={INT32_MAX}):quotation_id>"
SUPPLIER = f"/suppliers/<int(max={INT32_MAX}):supplier_id>"
# OpenAPI links (api_base.Blueprint.links): what a client can do next with an RFQ or quotation.
RFQ_LINKS = {
    "getRfq": "GET /rfqs/{rfq_id}",
    "cancelRfq": "POST /rfqs/{rfq_id}/cancel",
    "submitQuotation": "POST /rfqs/{rfq_id}/quotations",
    "listRfqQuotations": "GET /rfqs/{rfq_id}/quotations",
}
QUOTATION_PARAMETERS = {"quotation_id": "$response.body#/id", "rfq_id": "$response.body#/rfq_id"}
QUOTATION_LINKS = {
    "getQuotation": "GET /quotations/{quotation_id}",
    "listQuotationRevisions": "GET /quotations/{quotation_id}/revisions",
    "acceptQuotation": "POST /quotations/{quotation_id}/accept",
    "withdrawQuotation": "POST /quotations/{quotation_id}/withdraw",
    "reviseQuotation": "POST /rfqs/{rfq_id}/quotations",
    "getRfq": "GET /rfqs/{rfq_id}",
    "listRfqQuotations": "GET /rfqs/{rfq_id}/quotations",
}
CLOSED_RFQ_LINKS = {
    "getRfq": "GET /rfqs/{rfq_id}",
    "listRfqQuotations": "GET /rfqs/{rfq_id}/quotations",
}
DECIDED_QUOTATION_LINKS = {  # accepted or withdrawn: only reading is left
    "getQuotation": "GET /quotations/{quotation_id}",
    "listQuotationRevisions": "GET /quotations/{quotation_id}/revisions",
    **CLOSED_RFQ_LINKS,
}
RFQ_LIMIT_HEADERS = {"Retry-After": {"description": "Seconds until the buyer may post again."}}


def _rfq_for_viewer(rfq):
    match = services.viewer_match(current_user, rfq)
    mine = None
    if current_user.is_supplier_member:
        mine = services.own_quotations_by_rfq(current_user.supplier_id, [rfq.id]).get(rfq.id)
    return rfq_view(
        rfq, match=match, my_quotation=mine, for_supplier=current_user.is_supplier_member
    )


@blp.route("/rfqs", methods=["POST"])
@login_required(Role.BUYER)
@blp.arguments(RFQCreateSchema)
@blp.response(201, RFQSchema)
@blp.links(201, {"rfq_id": "$response.body#/id"}, **RFQ_LINKS)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", headers=RFQ_LIMIT_HEADERS)
@blp.errors(400, 401, 403, 415, 422)
@blp.doc(security=LOGGED_IN)
def create_rfq(data):
    """Post an RFQ (buyers): it is matched to the suppliers whose catalog fits and sent to
    them.  Limited per buyer (RFQ_LIMITS_PER_BUYER): 429 with Retry-After."""
    rfq = services.create_rfq(current_user, data)
    return rfq_view(rfq)


@blp.route("/rfqs", methods=["GET"])
@login_required()
@blp.arguments(RFQListArgs, location="query")
@blp.response(200, RFQListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_rfqs(args):
    """Buyers: their RFQs, newest first.  Supplier members: the RFQs matched to their
    company, best fit first, with `match` (open ones unless `status` says otherwise).
    Admins: all, newest first."""
    page = services.list_rfqs(
        current_user,
        status=args.get("status"),
        category=args.get("category"),
        limit=args["limit"],
        cursor=args.get("cursor"),
    )
    mine = {}
    if current_user.is_supplier_member:
        mine = services.own_quotations_by_rfq(
            current_user.supplier_id, [rfq.id for rfq, _match in page["items"]]
        )
    return {
        "items": [
            rfq_view(
                rfq,
                match=match,
                my_quotation=mine.get(rfq.id),
                for_supplier=current_user.is_supplier_member,
            )
            for rfq, match in page["items"]
        ],
        "next_cursor": page["next_cursor"],
    }


@blp.route(RFQ, methods=["GET"])
@login_required()
@blp.response(200, RFQSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def get_rfq(rfq_id):
    """The buyer who posted it, members of a matched supplier, admins; 404 for others."""
    return _rfq_for_viewer(services.get_rfq(rfq_id, current_user))


@blp.route(f"{RFQ}/cancel", methods=["POST"])
@login_required(Role.BUYER)
@blp.response(200, RFQSchema)
@blp.links(200, {"rfq_id": "$response.body#/id"}, **CLOSED_RFQ_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def cancel_rfq(rfq_id):
    """Cancel your RFQ while it is not awarded; submitted quotations are declined."""
    rfq = services.get_own_rfq(rfq_id, current_user)
    services.cancel_rfq(rfq, current_user)
    return rfq_view(rfq)


@blp.route(f"{RFQ}/quotations", methods=["GET"])
@login_required()
@blp.arguments(RFQQuotationListArgs, location="query")
@blp.response(200, QuotationListSchema)
@blp.errors(400, 401, 404, 422)
@blp.doc(security=LOGGED_IN)
def list_rfq_quotations(args, rfq_id):
    """The RFQ's buyer and admins: every quotation.  A matched supplier: only its own."""
    rfq = services.get_rfq(rfq_id, current_user)
    query = services.quotations_query(current_user, status=args.get("status"), rfq_id=rfq.id)
    page = paginate_by_id(
        query, Quotation, limit=args["limit"], cursor=args.get("cursor"), salt="rfq-q"
    )
    return {"items": [quotation_view(q) for q in page["items"]], "next_cursor": page["next_cursor"]}


@blp.route(f"{RFQ}/quotations", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(QuotationInputSchema)
@blp.response(201, QuotationSchema)
@blp.alt_response(200, schema=QuotationSchema, description="Your quotation, revised")
@blp.links(201, QUOTATION_PARAMETERS, **QUOTATION_LINKS)
@blp.links(200, QUOTATION_PARAMETERS, **QUOTATION_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def submit_quotation(data, rfq_id):
    """Quote on an RFQ matched to your company (201), or revise your quotation (200,
    `revision` + 1).  409 when the RFQ is not open, past its quote deadline or already has
    quotations from RFQ_MAX_QUOTATIONS (10) other suppliers; 403 while your company is
    suspended."""
    rfq = services.get_rfq(rfq_id, current_user)
    quotation, created = services.submit_quotation(rfq, current_user, data)
    return quotation_view(quotation), 201 if created else 200


@blp.route("/quotations", methods=["GET"])
@login_required()
@blp.arguments(QuotationListArgs, location="query")
@blp.response(200, QuotationListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_quotations(args):
    """Supplier members: their company's quotations.  Buyers: the quotations on their
    RFQs.  Admins: all.  Newest first."""
    query = services.quotations_query(
        current_user, status=args.get("status"), rfq_id=args.get("rfq_id")
    )
    page = paginate_by_id(
        query, Quotation, limit=args["limit"], cursor=args.get("cursor"), salt="quotes"
    )
    return {"items": [quotation_view(q) for q in page["items"]], "next_cursor": page["next_cursor"]}


@blp.route(QUOTATION, methods=["GET"])
@login_required()
@blp.response(200, QuotationSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def get_quotation(quotation_id):
    """The quoting company's members, the RFQ's buyer, admins; 404 for everyone else."""
    return quotation_view(services.get_quotation(quotation_id, current_user))


@blp.route(f"{QUOTATION}/revisions", methods=["GET"])
@login_required()
@blp.arguments(PageArgs, location="query")
@blp.response(200, QuotationRevisionListSchema)
@blp.errors(400, 401, 404, 422)
@blp.doc(security=LOGGED_IN)
def list_quotation_revisions(args, quotation_id):
    """The quotation's history, newest revision first (who may see the quotation)."""
    quotation = services.get_quotation(quotation_id, current_user)
    query = sa.select(QuotationRevision).where(QuotationRevision.quotation_id == quotation.id)
    return paginate_by_id(
        query, QuotationRevision, limit=args["limit"], cursor=args.get("cursor"), salt="q-rev"
    )


@blp.route(f"{QUOTATION}/accept", methods=["POST"])
@login_required(Role.BUYER)
@blp.response(200, QuotationSchema)
@blp.links(
    200,
    QUOTATION_PARAMETERS,
    **DECIDED_QUOTATION_LINKS,
    orderFromQuotation="POST /quotations/{quotation_id}/order",
)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def accept_quotation(quotation_id):
    """Accept a quotation on your RFQ: the RFQ becomes awarded, this quotation accepted and
    the others declined, at once.  Only one acceptance ever succeeds (others: 409)."""
    quotation = services.get_quotation(quotation_id, current_user)
    services.accept_quotation(quotation, current_user)
    return quotation_view(quotation)


@blp.route(f"{QUOTATION}/withdraw", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.response(200, QuotationSchema)
@blp.links(200, QUOTATION_PARAMETERS, **DECIDED_QUOTATION_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def withdraw_quotation(quotation_id):
    """Withdraw your company's quotation while it is submitted (frees its place)."""
    quotation = services.get_quotation(quotation_id, current_user)
    services.withdraw_quotation(quotation, current_user)
    return quotation_view(quotation)


# A supplier's figures --------------------------------------------------------------


@blp.route(f"{SUPPLIER}/stats", methods=["GET"], tags=["suppliers"])
@login_required()
@blp.response(200, SupplierStatsSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def supplier_stats(supplier_id):
    """Your company's figures (members and admins)."""
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or not can_view_supplier_private(current_user, supplier_id):
        raise NotFound("Supplier not found.")
    return stats.supplier_stats(supplier)


# CLI: flask --app wsgi sourcing ... ----------------------------------------------------


@blp.cli.command("refresh-metrics")
def refresh_metrics_command() -> None:
    """Recompute every supplier's response rate and median response time over the sliding
    window (celery beat does it hourly; this is the same pass by hand)."""
    from marketplace.rfqs.metrics import refresh_all_metrics

    seen, changed = refresh_all_metrics()
    transaction.commit()
    click.echo(f"Response metrics refreshed: {seen} suppliers, {changed} changed.")

"""``/api/v1/orders``: orders from an accepted quotation (or an inquiry) to delivery,
their moves, documents, and the admins' dispute resolution."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response
from flask_login import current_user

from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.errors import NotFound
from marketplace.fields import INT32_MAX
from marketplace.http import accepts
from marketplace.orders import documents, services
from marketplace.orders.presenters import document_view, order_view
from marketplace.orders.schemas import (
    OrderCreateSchema,
    OrderDocumentSchema,
    OrderDocumentUploadSchema,
    OrderListArgs,
    OrderListSchema,
    OrderReasonSchema,
    OrderResolveSchema,
    OrderSchema,
    OrderShipSchema,
    OrderUpdateSchema,
)
from marketplace.permissions import login_required
from marketplace.rfqs import services as rfq_services
from marketplace.storage import KeyNotFound, get_storage, mark_private

blp = Blueprint("orders", __name__, url_prefix="", description="Orders")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
ORDER = f"/orders/<int(max={INT32_MAX}):order_id>"
DOCUMENT = f"{ORDER}/documents/<int(max={INT32_MAX}):document_id>"
QUOTATION = f"/quotations/<int(max={INT32_MAX}):quotation_id>"
ORDER_PARAMETERS = {"order_id": "$response.body#/id"}
# OpenAPI links (api_base.Blueprint.links): what a client can do next with an order.
ORDER_LINKS = {
    "getOrder": "GET /orders/{order_id}",
    "updateOrder": "PATCH /orders/{order_id}",
    "confirmOrder": "POST /orders/{order_id}/confirm",
    "startProduction": "POST /orders/{order_id}/start-production",
    "shipOrder": "POST /orders/{order_id}/ship",
    "deliverOrder": "POST /orders/{order_id}/deliver",
    "completeOrder": "POST /orders/{order_id}/complete",
    "cancelOrder": "POST /orders/{order_id}/cancel",
    "disputeOrder": "POST /orders/{order_id}/dispute",
    "uploadOrderDocument": "POST /orders/{order_id}/documents",
}


def _order(order_id: int):
    return services.get_order(order_id, current_user)


@blp.route(f"{QUOTATION}/order", methods=["POST"], tags=["orders"])
@login_required()
@blp.response(201, OrderSchema)
@blp.links(201, ORDER_PARAMETERS, **ORDER_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def order_from_quotation(quotation_id):
    """Draft the order of an accepted quotation (its buyer or the quoting company's
    members): `proposed`, one line of the RFQ's quantity at the quoted unit price.  One
    order per quotation: 409 for a second."""
    quotation = rfq_services.get_quotation(quotation_id, current_user)
    return order_view(services.create_from_quotation(quotation, current_user))


@blp.route("/orders", methods=["POST"])
@login_required(Role.SUPPLIER, supplier_member=True)
@blp.arguments(OrderCreateSchema)
@blp.response(201, OrderSchema)
@blp.links(201, ORDER_PARAMETERS, **ORDER_LINKS)
@blp.errors(400, 401, 403, 415, 422)
@blp.doc(security=LOGGED_IN)
def create_order(data):
    """Propose an order to a buyer who has an inquiry with your company (supplier
    members); 422 when there is none.  Sizes in `size_breakdown` add up to the line's
    quantity."""
    return order_view(services.create_for_buyer(current_user, data))


@blp.route("/orders", methods=["GET"])
@login_required()
@blp.arguments(OrderListArgs, location="query")
@blp.response(200, OrderListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_orders(args):
    """Buyers: their orders; supplier members: their company's; admins: all.  Newest first."""
    page = services.list_orders(
        current_user, status=args.get("status"), limit=args["limit"], cursor=args.get("cursor")
    )
    return {"items": [order_view(o) for o in page["items"]], "next_cursor": page["next_cursor"]}


@blp.route(ORDER, methods=["GET"])
@login_required()
@blp.response(200, OrderSchema)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def get_order(order_id):
    """The two parties and admins; 404 for everyone else."""
    return order_view(_order(order_id))


@blp.route(ORDER, methods=["PATCH"])
@login_required()
@blp.arguments(OrderUpdateSchema)
@blp.response(200, OrderSchema)
@blp.links(200, ORDER_PARAMETERS, **ORDER_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def update_order(data, order_id):
    """Change a proposed order's terms (the supplier's members); 409 once confirmed."""
    order = _order(order_id)
    return order_view(services.update_order(order, current_user, data))


def _move_view(name: str, summary: str, schema=None):
    """A POST ``/orders/<id>/<move>`` view applying ``services.MOVES[name]``."""
    path = f"{ORDER}/{name.replace('_', '-')}"

    def view(*args, order_id):
        data = args[0] if args else {}
        order = _order(order_id)
        if name == "ship":
            return order_view(services.move(order, current_user, name, tracking=data))
        return order_view(services.move(order, current_user, name, note=data.get("reason", "")))

    view.__name__ = f"{name}_order"
    view.__doc__ = summary
    decorated = blp.doc(security=LOGGED_IN)(view)
    codes = (400, 401, 403, 404, 409) + ((415, 422) if schema is not None else ())
    decorated = blp.errors(*codes)(decorated)
    decorated = blp.links(200, ORDER_PARAMETERS, **ORDER_LINKS)(decorated)
    decorated = blp.response(200, OrderSchema)(decorated)
    if schema is not None:
        decorated = blp.arguments(schema)(decorated)
    decorated = login_required()(decorated)
    blp.route(path, methods=["POST"], endpoint=view.__name__)(decorated)


_move_view("confirm", "Accept the proposed terms (the buyer): `proposed` → `confirmed`.")
_move_view(
    "start_production",
    "The deposit is in, production starts (the supplier): `confirmed` → `in_production`.",
)
_move_view(
    "ship",
    "Shipped, with its tracking (the supplier): `in_production` → `shipped`.",
    OrderShipSchema,
)
_move_view("deliver", "The goods arrived (the buyer): `shipped` → `delivered`.")
_move_view(
    "complete",
    "Close the order (the buyer): `delivered` → `completed` (also automatically "
    "ORDER_AUTO_COMPLETE_DAYS after delivery).",
)
_move_view(
    "cancel",
    "Cancel, with a reason (either party): from `proposed` or `confirmed`.",
    OrderReasonSchema,
)
_move_view(
    "dispute",
    "Dispute, with a reason (the buyer): from `shipped` or `delivered`; an admin resolves it.",
    OrderReasonSchema,
)


@blp.route(f"/admin{ORDER}/resolve", methods=["POST"], tags=["admin"])
@login_required(Role.ADMIN)
@blp.arguments(OrderResolveSchema)
@blp.response(200, OrderSchema)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def resolve_dispute(data, order_id):
    """Settle a disputed order (admins): `completed` or `cancelled`, with a note (audited)."""
    order = _order(order_id)
    return order_view(
        services.resolve_dispute(order, current_user, outcome=data["outcome"], note=data["note"])
    )


# Documents -----------------------------------------------------------------------------


@blp.route(f"{ORDER}/documents", methods=["POST"])
@login_required()
@accepts("multipart/form-data", max_body_size="DOCUMENT_UPLOAD_MAX_BODY")
@blp.arguments(OrderDocumentUploadSchema, location="files")
@blp.response(201, OrderDocumentSchema)
@blp.errors(400, 401, 403, 404, 413, 415, 422)
@blp.doc(security=LOGGED_IN)
def upload_document(data, order_id):
    """Attach a file (the two parties): multipart `file` and `kind`.  PDF, XLSX, JPEG or
    PNG, judged by the content (not the name), at most DOCUMENT_MAX_BYTES (413)."""
    order = _order(order_id)
    document = documents.add_document(order, current_user, data["file"], data["kind"])
    return document_view(document)


@blp.route(DOCUMENT, methods=["GET"])
@login_required()
@blp.response(
    200,
    description="The file, as an attachment.",
    content_type="application/octet-stream",
)
@blp.errors(401, 404)
@blp.doc(security=LOGGED_IN)
def download_document(order_id, document_id):
    """The file (the two parties and admins), as an attachment; 404 for everyone else."""
    order = _order(order_id)
    document = documents.get_document(order, document_id)
    try:
        stored = get_storage().open(document.storage_key)
    except KeyNotFound as exc:
        raise NotFound("Document not found.") from exc

    def stream():
        with stored:  # closed when the response is, read to the end or not
            yield from stored.chunks()

    response = Response(stream(), mimetype=document.content_type)
    response.content_length = stored.size
    response.headers.set("Content-Disposition", "attachment", **_filename(document.filename))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return mark_private(response)


def _filename(name: str) -> dict[str, str]:
    """An ASCII ``filename`` for old clients and the exact one as ``filename*`` (RFC 6266),
    as werkzeug's send_file writes them."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    if name == simple:
        return {"filename": name}
    return {"filename": simple.strip() or "document", "filename*": f"UTF-8''{quote(name, safe='')}"}


@blp.route(DOCUMENT, methods=["DELETE"])
@login_required()
@blp.response(204)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def delete_document(order_id, document_id):
    """Remove your own document while the order is not completed (audited)."""
    order = _order(order_id)
    documents.delete_document(order, current_user, document_id)
    return ""

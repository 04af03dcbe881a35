"""``/api/v1/inquiries``: a buyer's questions to one supplier and their message threads."""

from __future__ import annotations

import contextlib

from apispec.exceptions import DuplicateComponentNameError
from flask_login import current_user

from marketplace import ratelimit
from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.fields import INT32_MAX
from marketplace.inquiries import services
from marketplace.inquiries.schemas import (
    INQUIRY_CREATE_ONE_OF,
    InquiryCreateSchema,
    InquiryListArgs,
    InquiryListSchema,
    InquiryMessageCreateSchema,
    InquiryMessageListArgs,
    InquiryMessageListSchema,
    InquiryMessageSchema,
    InquirySchema,
)
from marketplace.permissions import login_required

blp = Blueprint("inquiries", __name__, url_prefix="", description="Inquiries")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
# OpenAPI links (api_base.Blueprint.links): what the two parties can do next.
INQUIRY_LINKS = {
    "getInquiry": "GET /inquiries/{inquiry_id}",
    "listInquiryMessages": "GET /inquiries/{inquiry_id}/messages",
    "postInquiryMessage": "POST /inquiries/{inquiry_id}/messages",
    "closeInquiry": "POST /inquiries/{inquiry_id}/close",
    "markInquiryRead": "POST /inquiries/{inquiry_id}/read",
}
CLOSED_INQUIRY_LINKS = {
    "getInquiry": "GET /inquiries/{inquiry_id}",
    "listInquiryMessages": "GET /inquiries/{inquiry_id}/messages",
}
INQUIRY = f"/inquiries/<int(max={INT32_MAX}):inquiry_id>"


@blp.record_once
def document_create_body(state) -> None:
    """The create body needs supplier_id or product_id: say so in the spec."""
    from marketplace.extensions import api

    # Already there when a second app is made in the same process (tests).
    with contextlib.suppress(DuplicateComponentNameError):
        api.spec.components.schema(
            "InquiryCreate", INQUIRY_CREATE_ONE_OF, schema=InquiryCreateSchema
        )


@blp.route("/inquiries", methods=["POST"])
@login_required(Role.BUYER)
@blp.arguments(InquiryCreateSchema)
@blp.response(201, InquirySchema)
@blp.links(201, {"inquiry_id": "$response.body#/id"}, **INQUIRY_LINKS)
@blp.errors(400, 401, 403, 404, 415, 422, 429)
@blp.doc(security=LOGGED_IN)
def create_inquiry(data):
    """Ask one supplier (buyers): name the supplier, or a product (the supplier is the
    product's). Its members are notified by e-mail. Limited per buyer
    (`INQUIRY_LIMITS_PER_BUYER`)."""
    ratelimit.hit("inquiry", current_user.id)
    inquiry = services.create_inquiry(current_user, data)
    return inquiry


@blp.route("/inquiries", methods=["GET"])
@login_required()
@blp.arguments(InquiryListArgs, location="query")
@blp.response(200, InquiryListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_inquiries(args):
    """Buyers: their own inquiries; supplier members: those sent to their company;
    admins: all. Newest first, each with the viewer's `unread_count`."""
    return services.list_inquiries(
        current_user,
        status=args.get("status"),
        unread=args.get("unread"),
        limit=args["limit"],
        cursor=args.get("cursor"),
    )


@blp.route(INQUIRY, methods=["GET"])
@login_required()
@blp.response(200, InquirySchema)
@blp.errors(400, 401, 404)
@blp.doc(security=LOGGED_IN)
def get_inquiry(inquiry_id):
    """The buyer, the supplier's members and admins; 404 for everyone else."""
    return services.get_inquiry(inquiry_id, current_user)


@blp.route(f"{INQUIRY}/messages", methods=["GET"])
@login_required()
@blp.arguments(InquiryMessageListArgs, location="query")
@blp.response(200, InquiryMessageListSchema)
@blp.errors(400, 401, 404, 422)
@blp.doc(security=LOGGED_IN)
def list_messages(args, inquiry_id):
    """The thread, oldest first (the inquiry's own text is the first message). Reading
    does not mark messages read: `POST .../read` does."""
    inquiry = services.get_inquiry(inquiry_id, current_user)
    return services.list_messages(
        inquiry, current_user, limit=args["limit"], cursor=args.get("cursor")
    )


@blp.route(f"{INQUIRY}/messages", methods=["POST"])
@login_required()
@blp.arguments(InquiryMessageCreateSchema)
@blp.response(201, InquiryMessageSchema)
@blp.links(201, {"inquiry_id": "$response.body#/inquiry_id"}, **INQUIRY_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422, 429)
@blp.doc(security=LOGGED_IN)
def post_message(data, inquiry_id):
    """Write to the other party (the buyer or the supplier's members). The supplier's first
    message sets `first_response_at` and status `replied`; a closed inquiry answers 409.
    Limited per user (`MESSAGE_LIMITS_PER_USER`)."""
    inquiry, side = services.get_inquiry_as_party(inquiry_id, current_user)
    ratelimit.hit("message", current_user.id)
    message = services.post_message(inquiry, current_user, side, data["body"])
    return message


@blp.route(f"{INQUIRY}/close", methods=["POST"])
@login_required()
@blp.response(200, InquirySchema)
@blp.links(200, {"inquiry_id": "$response.body#/id"}, **CLOSED_INQUIRY_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def close_inquiry(inquiry_id):
    """Close the inquiry (either party); no more messages. 409 when already closed."""
    inquiry, side = services.get_inquiry_as_party(inquiry_id, current_user)
    services.close_inquiry(inquiry, current_user, side)
    return inquiry


@blp.route(f"{INQUIRY}/read", methods=["POST"])
@login_required()
@blp.response(200, InquirySchema)
@blp.errors(400, 401, 403, 404)
@blp.doc(security=LOGGED_IN)
def mark_inquiry_read(inquiry_id):
    """Mark the thread read for your side (a supplier's members share one inbox)."""
    inquiry, side = services.get_inquiry_as_party(inquiry_id, current_user)
    services.mark_read(inquiry, side)
    return inquiry

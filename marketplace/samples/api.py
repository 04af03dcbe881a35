"""``/api/v1/sample-requests``: a buyer's request for sample pairs of a public product, the
supplier's terms, and the moves to its delivery."""

from __future__ import annotations

from flask_login import current_user

from marketplace import ratelimit
from marketplace.accounts.models import Role
from marketplace.api_base import Blueprint
from marketplace.fields import INT32_MAX
from marketplace.permissions import login_required
from marketplace.samples import services
from marketplace.samples.schemas import (
    SampleDeclineSchema,
    SampleQuoteSchema,
    SampleRequestCreateSchema,
    SampleRequestListArgs,
    SampleRequestListSchema,
    SampleRequestSchema,
    SampleShipSchema,
)

blp = Blueprint("samples", __name__, url_prefix="", description="Sample requests")

LOGGED_IN: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
SAMPLE = f"/sample-requests/<int(max={INT32_MAX}):sample_request_id>"
PARAMETERS = {"sample_request_id": "$response.body#/id"}
# OpenAPI links (api_base.Blueprint.links): what the parties can do next.
SAMPLE_LINKS = {
    "getSampleRequest": "GET /sample-requests/{sample_request_id}",
    "quoteSampleRequest": "POST /sample-requests/{sample_request_id}/quote",
    "acceptSampleRequest": "POST /sample-requests/{sample_request_id}/accept",
    "shipSampleRequest": "POST /sample-requests/{sample_request_id}/ship",
    "receiveSampleRequest": "POST /sample-requests/{sample_request_id}/receive",
    "declineSampleRequest": "POST /sample-requests/{sample_request_id}/decline",
    "cancelSampleRequest": "POST /sample-requests/{sample_request_id}/cancel",
}
LIMIT_HEADERS = {"Retry-After": {"description": "Seconds until the buyer may ask again."}}


@blp.route("/sample-requests", methods=["POST"])
@login_required(Role.BUYER)
@blp.arguments(SampleRequestCreateSchema)
@blp.response(201, SampleRequestSchema)
@blp.links(201, PARAMETERS, **SAMPLE_LINKS)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", headers=LIMIT_HEADERS)
@blp.errors(400, 401, 403, 404, 415, 422)
@blp.doc(security=LOGGED_IN)
def create_sample_request(data):
    """Ask for samples of a published product (buyers); its supplier's members are told
    by e-mail.  404 when the product is not public.  Limited per buyer
    (`SAMPLE_REQUEST_LIMITS_PER_BUYER`): 429 with Retry-After."""
    ratelimit.hit("sample-request", current_user.id)
    return services.create_sample_request(current_user, data)


@blp.route("/sample-requests", methods=["GET"])
@login_required()
@blp.arguments(SampleRequestListArgs, location="query")
@blp.response(200, SampleRequestListSchema)
@blp.errors(400, 401, 422)
@blp.doc(security=LOGGED_IN)
def list_sample_requests(args):
    """Buyers: their own requests; supplier members: those sent to their company;
    admins: all.  Newest first; filter `status`."""
    return services.list_sample_requests(
        current_user, status=args.get("status"), limit=args["limit"], cursor=args.get("cursor")
    )


@blp.route(SAMPLE, methods=["GET"])
@login_required()
@blp.response(200, SampleRequestSchema)
@blp.errors(400, 401, 404)
@blp.doc(security=LOGGED_IN)
def get_sample_request(sample_request_id):
    """The buyer, the supplier's members and admins; 404 for everyone else."""
    return services.get_sample_request(sample_request_id, current_user)


def _move(sample_request_id: int, name: str, data=None):
    sample = services.get_sample_request(sample_request_id, current_user)
    return services.move(sample, current_user, name, data)


@blp.route(f"{SAMPLE}/quote", methods=["POST"])
@login_required()
@blp.arguments(SampleQuoteSchema)
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, **SAMPLE_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def quote_sample_request(data, sample_request_id):
    """The supplier's terms (its members): sample fee and shipping fee (0 = free),
    currency, days until ready.  `requested` → `quoted`; 409 from any other state."""
    return _move(sample_request_id, "quote", data)


@blp.route(f"{SAMPLE}/accept", methods=["POST"])
@login_required()
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, **SAMPLE_LINKS)
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def accept_sample_request(sample_request_id):
    """The buyer accepts the supplier's terms: `quoted` → `accepted`; else 409."""
    return _move(sample_request_id, "accept")


@blp.route(f"{SAMPLE}/ship", methods=["POST"])
@login_required()
@blp.arguments(SampleShipSchema)
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, **SAMPLE_LINKS)
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def ship_sample_request(data, sample_request_id):
    """The supplier sent the samples (its members), with the courier's tracking:
    `accepted` → `shipped`; else 409."""
    return _move(sample_request_id, "ship", data)


@blp.route(f"{SAMPLE}/receive", methods=["POST"])
@login_required()
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, getSampleRequest=SAMPLE_LINKS["getSampleRequest"])
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def receive_sample_request(sample_request_id):
    """The buyer has the samples: `shipped` → `received`; else 409."""
    return _move(sample_request_id, "receive")


@blp.route(f"{SAMPLE}/decline", methods=["POST"])
@login_required()
@blp.arguments(SampleDeclineSchema)
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, getSampleRequest=SAMPLE_LINKS["getSampleRequest"])
@blp.errors(400, 401, 403, 404, 409, 415, 422)
@blp.doc(security=LOGGED_IN)
def decline_sample_request(data, sample_request_id):
    """The supplier will not send samples (its members), with a reason the buyer reads:
    `requested` → `declined`; else 409."""
    return _move(sample_request_id, "decline", data)


@blp.route(f"{SAMPLE}/cancel", methods=["POST"])
@login_required()
@blp.response(200, SampleRequestSchema)
@blp.links(200, PARAMETERS, getSampleRequest=SAMPLE_LINKS["getSampleRequest"])
@blp.errors(400, 401, 403, 404, 409)
@blp.doc(security=LOGGED_IN)
def cancel_sample_request(sample_request_id):
    """The buyer withdraws the request: `requested` or `quoted` → `cancelled`; else 409."""
    return _move(sample_request_id, "cancel")

"""Rows for the RFQ and quotation routes (issue 5): API and pages.

The world's sourcing objects (built once per test with ``World.memo``): buyer X's open
RFQ for EVA slippers, matched to supplier A (it publishes an EVA product; supplier B
publishes nothing, the suspended company is never matched), and A's submitted
quotation on it.  Buyer Y, supplier B's staff and the suspended company's owner see
none of it (404); a route for another role is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marketplace import transaction
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.rfqs.models import RFQ, Quotation, RFQMatch
from marketplace.suppliers.models import SupplierStatus
from tests.authz.framework import (
    MEMBERS_OF_A,
    NOT_OF_A,
    SUPPLIER_MEMBERS,
    SUSPENDED,
    Route,
    World,
    a_members,
    dashboard,
    logged_in,
    only,
    read_only_while_suspended,
    suspended_company_only,
)
from tests.rfqs.support import post_rfq, quote, quote_payload, rfq_payload

API_RFQ = "/api/v1/rfqs/<int(max=2147483647):rfq_id>"
API_QUOTATION = "/api/v1/quotations/<int(max=2147483647):quotation_id>"
PAGE_BUYER_RFQ = "/buyer/rfqs/<int(max=2147483647):rfq_id>"
PAGE_SUPPLIER_RFQ = "/dashboard/rfqs/<int(max=2147483647):rfq_id>"
PAGE_ACCEPT = "/buyer/quotations/<int(max=2147483647):quotation_id>/accept"
PAGE_WITHDRAW = "/dashboard/quotations/<int(max=2147483647):quotation_id>/withdraw"
BUYERS = ("buyer_x", "buyer_y")
# Objects of buyer X's RFQ: who may see them.
PARTIES = ("buyer_x", *MEMBERS_OF_A, "admin")
OUTSIDERS = ("buyer_y", *NOT_OF_A)


@dataclass
class Sourcing:
    rfq: RFQ
    quotation: Quotation


def sourcing(world: World) -> Sourcing:
    def make() -> Sourcing:
        world.published_a  # noqa: B018 - A publishes an EVA product: the RFQ matches A
        rfq = post_rfq(world.users["buyer_x"])
        return Sourcing(rfq, quote(rfq, world.users["owner_a"]))

    return world.memo("rfqs:sourcing", make)


def rfq_matched_to_suspended(world: World) -> RFQ:
    """Buyer X's RFQ matched to A and, before its suspension, to the suspended company."""

    def make() -> RFQ:
        world.published_a  # noqa: B018
        rfq = post_rfq(world.users["buyer_x"], title="Matched before the suspension")
        db.session.add(RFQMatch(rfq_id=rfq.id, supplier_id=world.suspended.id, score=50))
        transaction.commit()
        return rfq

    return world.memo("rfqs:suspended-match", make)


def suspended_quotation(world: World) -> Quotation:
    """The suspended company's quotation on that RFQ, sent before its suspension."""

    def make() -> Quotation:
        rfq = rfq_matched_to_suspended(world)
        world.suspended.status = SupplierStatus.ACTIVE
        quotation = quote(rfq, world.users["suspended_owner"])
        world.suspended.status = SupplierStatus.SUSPENDED
        transaction.commit()
        return quotation

    return world.memo("rfqs:suspended-quotation", make)


def closed_rfq(world: World) -> RFQ:
    """Buyer X's RFQ matched to A whose quote deadline has passed."""

    def make() -> RFQ:
        world.published_a  # noqa: B018
        rfq = post_rfq(world.users["buyer_x"], title="Deadline passed")
        rfq.quote_deadline = utcnow() - timedelta(hours=1)
        transaction.commit()
        return rfq

    return world.memo("rfqs:closed", make)


def rfq_id(world: World) -> int:
    return sourcing(world).rfq.id


def quotation_id(world: World) -> int:
    return sourcing(world).quotation.id


def rfq_form(world: World) -> dict[str, str]:
    """The post-RFQ page's form: the API's field names, the deadline as a datetime-local."""
    body = rfq_payload()
    body["quote_deadline"] = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    body["materials"] = "EVA"
    return body


def buyer_page(expect, path, **kwargs) -> Route:
    return dashboard(expect, path, **kwargs)


def for_buyer_x(status: int) -> dict[str, int]:
    """Buyer X's own object behind a buyer-only page or action."""
    return only(status, "buyer_x", anonymous=302) | {"buyer_y": 404}


def for_buyer_x_api(status: int) -> dict[str, int]:
    return only(status, "buyer_x") | {"buyer_y": 404}


def visible_to_parties(status: int) -> dict[str, int]:
    return logged_in(404) | dict.fromkeys(PARTIES, status)


MATRIX: dict[tuple[str, str], Route] = {
    # API --------------------------------------------------------------------------------
    ("POST", "/api/v1/rfqs"): Route(only(201, *BUYERS), json=lambda w: rfq_payload()),
    ("GET", "/api/v1/rfqs"): Route(logged_in(200)),
    ("GET", API_RFQ): Route(visible_to_parties(200), path=lambda w: f"/api/v1/rfqs/{rfq_id(w)}"),
    ("POST", f"{API_RFQ}/cancel"): Route(
        for_buyer_x_api(200), path=lambda w: f"/api/v1/rfqs/{rfq_id(w)}/cancel"
    ),
    ("GET", f"{API_RFQ}/quotations"): Route(
        visible_to_parties(200), path=lambda w: f"/api/v1/rfqs/{rfq_id(w)}/quotations"
    ),
    ("POST", f"{API_RFQ}/quotations"): Route(
        # A's members revise A's quotation (200); other companies' members are not matched.
        read_only_while_suspended(a_members(200)),
        path=lambda w: f"/api/v1/rfqs/{rfq_id(w)}/quotations",
        json=lambda w: quote_payload(unit_price="0.98"),
    ),
    ("GET", "/api/v1/quotations"): Route(logged_in(200)),
    ("GET", API_QUOTATION): Route(
        visible_to_parties(200), path=lambda w: f"/api/v1/quotations/{quotation_id(w)}"
    ),
    ("GET", f"{API_QUOTATION}/revisions"): Route(
        visible_to_parties(200), path=lambda w: f"/api/v1/quotations/{quotation_id(w)}/revisions"
    ),
    ("POST", f"{API_QUOTATION}/accept"): Route(
        for_buyer_x_api(200), path=lambda w: f"/api/v1/quotations/{quotation_id(w)}/accept"
    ),
    ("POST", f"{API_QUOTATION}/withdraw"): Route(
        read_only_while_suspended(a_members(200)),
        path=lambda w: f"/api/v1/quotations/{quotation_id(w)}/withdraw",
    ),
    # Buyer pages ------------------------------------------------------------------------
    ("GET", "/buyer/rfqs"): buyer_page(only(200, *BUYERS, anonymous=302), "/buyer/rfqs"),
    ("GET", "/buyer/rfqs/new"): buyer_page(only(200, *BUYERS, anonymous=302), "/buyer/rfqs/new"),
    ("POST", "/buyer/rfqs/new"): buyer_page(
        only(302, *BUYERS, anonymous=302),
        "/buyer/rfqs/new",
        form=rfq_form,
        success="/buyer/rfqs/",
        writes=BUYERS,
    ),
    ("GET", PAGE_BUYER_RFQ): buyer_page(for_buyer_x(200), lambda w: f"/buyer/rfqs/{rfq_id(w)}"),
    ("GET", f"{PAGE_BUYER_RFQ}/cancel"): buyer_page(
        for_buyer_x(200), lambda w: f"/buyer/rfqs/{rfq_id(w)}/cancel"
    ),
    ("POST", f"{PAGE_BUYER_RFQ}/cancel"): buyer_page(
        for_buyer_x(302),
        lambda w: f"/buyer/rfqs/{rfq_id(w)}/cancel",
        form=lambda w: {},
        success=lambda w: f"/buyer/rfqs/{rfq_id(w)}",
        writes=("buyer_x",),
    ),
    ("GET", "/buyer/quotations"): buyer_page(
        only(200, *BUYERS, anonymous=302), "/buyer/quotations"
    ),
    ("GET", PAGE_ACCEPT): buyer_page(
        for_buyer_x(200), lambda w: f"/buyer/quotations/{quotation_id(w)}/accept"
    ),
    ("POST", PAGE_ACCEPT): buyer_page(
        for_buyer_x(302),
        lambda w: f"/buyer/quotations/{quotation_id(w)}/accept",
        form=lambda w: {},
        success=lambda w: f"/buyer/rfqs/{rfq_id(w)}",
        writes=("buyer_x",),
    ),
    # Supplier pages ---------------------------------------------------------------------
    ("GET", "/dashboard/rfqs"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/rfqs"
    ),
    ("GET", PAGE_SUPPLIER_RFQ): dashboard(
        a_members(200, anonymous=302), lambda w: f"/dashboard/rfqs/{rfq_id(w)}"
    ),
    ("POST", PAGE_SUPPLIER_RFQ): dashboard(
        read_only_while_suspended(a_members(302, anonymous=302)),
        lambda w: f"/dashboard/rfqs/{rfq_id(w)}",
        form=lambda w: quote_payload(unit_price="0.97"),
        success=lambda w: f"/dashboard/rfqs/{rfq_id(w)}",
        writes=MEMBERS_OF_A,
    ),
    ("GET", "/dashboard/quotations"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/quotations"
    ),
    ("POST", PAGE_WITHDRAW): dashboard(
        read_only_while_suspended(a_members(302, anonymous=302)),
        lambda w: f"/dashboard/quotations/{quotation_id(w)}/withdraw",
        form=lambda w: {},
        success=lambda w: f"/dashboard/rfqs/{rfq_id(w)}",
        writes=MEMBERS_OF_A,
    ),
}

EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "POST",
        f"{API_QUOTATION}/withdraw",
        "the suspended company's own quotation",
        Route(
            suspended_company_only(403),
            path=lambda w: f"/api/v1/quotations/{suspended_quotation(w).id}/withdraw",
        ),
    ),
    (
        "POST",
        PAGE_WITHDRAW,
        "the suspended company's own quotation",
        dashboard(
            suspended_company_only(403, anonymous=302),
            lambda w: f"/dashboard/quotations/{suspended_quotation(w).id}/withdraw",
            form=lambda w: {},
        ),
    ),
    (
        "POST",
        PAGE_SUPPLIER_RFQ,
        "revising the suspended company's own quotation",
        dashboard(
            read_only_while_suspended(a_members(302, anonymous=302)),
            lambda w: f"/dashboard/rfqs/{suspended_quotation(w).rfq_id}",
            form=lambda w: quote_payload(unit_price="0.90"),
            success=lambda w: f"/dashboard/rfqs/{suspended_quotation(w).rfq_id}",
            writes=MEMBERS_OF_A,
        ),
    ),
    (
        "POST",
        f"{API_RFQ}/quotations",
        "an RFQ matched to the suspended company before its suspension",
        Route(
            read_only_while_suspended(a_members(201)),
            path=lambda w: f"/api/v1/rfqs/{rfq_matched_to_suspended(w).id}/quotations",
            json=lambda w: quote_payload(),
        ),
    ),
    (
        "GET",
        API_RFQ,
        "an RFQ matched to the suspended company before its suspension",
        Route(
            visible_to_parties(200) | dict.fromkeys(SUSPENDED, 200),
            path=lambda w: f"/api/v1/rfqs/{rfq_matched_to_suspended(w).id}",
        ),
    ),
    (
        "POST",
        f"{API_RFQ}/quotations",
        "an RFQ past its quote deadline",
        Route(
            read_only_while_suspended(a_members(409)),
            path=lambda w: f"/api/v1/rfqs/{closed_rfq(w).id}/quotations",
            json=lambda w: quote_payload(),
        ),
    ),
    (
        "POST",
        PAGE_SUPPLIER_RFQ,
        "an RFQ past its quote deadline",
        Route(
            # The quote form answers with the page and the reason: nothing written.
            read_only_while_suspended(a_members(409, anonymous=302)),
            path=lambda w: f"/dashboard/rfqs/{closed_rfq(w).id}",
            form=lambda w: quote_payload(),
            page=True,
            location=lambda w, p: f"/login?next=/dashboard/rfqs/{closed_rfq(w).id}",
            writes=(),
        ),
    ),
]

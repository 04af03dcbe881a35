"""Rows for the order routes: API.

The world's orders are buyer X's with supplier A, made from A's accepted quotation on
buyer X's RFQ (tests/authz/rows_rfqs.py's sourcing) and moved through the services to the
state each row needs.  Buyer Y, supplier B's staff and the suspended company's members
see none of it (404); the other party (or an admin) asking for a move that is not theirs
is refused (403); the suspended company's members are refused every write (403).
"""

from __future__ import annotations

import io

from marketplace import transaction
from marketplace.orders import documents, services
from marketplace.orders.models import Order, OrderDocument, OrderStatus
from marketplace.rfqs import services as rfq_services
from marketplace.rfqs.models import Quotation
from tests.authz.framework import (
    MEMBERS_OF_A,
    NOT_OF_A,
    Route,
    World,
    logged_in,
    only,
    read_only_while_suspended,
)
from tests.authz.rows_rfqs import sourcing
from tests.factories import InquiryFactory
from tests.orders.support import BODY, ROUTE, order_body, pdf_bytes

ORDER = "/api/v1/orders/<int(max=2147483647):order_id>"
DOCUMENT = f"{ORDER}/documents/<int(max=2147483647):document_id>"
QUOTATION_ORDER = "/api/v1/quotations/<int(max=2147483647):quotation_id>/order"
RESOLVE = "/api/v1/admin/orders/<int(max=2147483647):order_id>/resolve"
PARTIES = ("buyer_x", *MEMBERS_OF_A)
OUTSIDERS = ("buyer_y", *NOT_OF_A)
S = OrderStatus


def accepted_quotation(world: World) -> Quotation:
    def make() -> Quotation:
        quotation = sourcing(world).quotation
        rfq_services.accept_quotation(quotation, world.users["buyer_x"])
        transaction.commit()
        return quotation

    return world.memo("orders:accepted", make)


def order_in(world: World, status: OrderStatus) -> Order:
    """Buyer X's order with supplier A, moved to ``status``."""

    def make() -> Order:
        order = services.create_from_quotation(accepted_quotation(world), world.users["owner_a"])
        transaction.commit()
        for name in ROUTE[status]:
            actor = world.users["owner_a" if name in ("start_production", "ship") else "buyer_x"]
            if name == "ship":
                services.move(order, actor, name, tracking=BODY["ship"])
            else:
                services.move(order, actor, name, note=BODY.get(name, {}).get("reason", ""))
            transaction.commit()
        return order

    return world.memo(f"orders:{status}", make)


def document_of(world: World) -> OrderDocument:
    """A PDF staff A attached to the proposed order."""

    def make() -> OrderDocument:
        order = order_in(world, S.PROPOSED)

        class Upload:
            filename = "proforma.pdf"
            stream = io.BytesIO(pdf_bytes())

        document = documents.add_document(order, world.users["staff_a"], Upload, "other")
        transaction.commit()
        return document

    return world.memo("orders:document", make)


def new_order_body(world: World) -> dict:
    world.memo(
        "orders:inquiry",
        lambda: InquiryFactory(buyer=world.users["buyer_x"], supplier=world.supplier_a),
    )
    return order_body(world.users["buyer_x"])


def order_path(status: OrderStatus, suffix: str = ""):
    return lambda w: f"/api/v1/orders/{order_in(w, status).id}{suffix}"


def parties_and_admins(status: int) -> dict[str, int]:
    return logged_in(404) | dict.fromkeys((*PARTIES, "admin"), status)


def move_by(status: int, *who: str) -> dict[str, int]:
    """A move on buyer X's order: ``who`` may make it, the other party and admins 403,
    outsiders 404, the suspended company's members 403 (a write)."""
    return read_only_while_suspended(
        logged_in(403) | dict.fromkeys(OUTSIDERS, 404) | dict.fromkeys(who, status)
    )


def move_row(name: str, source: OrderStatus, *who: str) -> Route:
    return Route(
        move_by(200, *who),
        path=order_path(source, f"/{name.replace('_', '-')}"),
        json=(lambda w: BODY[name]) if name in BODY else None,
    )


MATRIX: dict[tuple[str, str], Route] = {
    ("POST", QUOTATION_ORDER): Route(
        move_by(201, *PARTIES),
        path=lambda w: f"/api/v1/quotations/{accepted_quotation(w).id}/order",
    ),
    ("POST", "/api/v1/orders"): Route(
        # B's staff has no inquiry from buyer X: 422; buyers and admins are not suppliers.
        read_only_while_suspended(only(201, *MEMBERS_OF_A) | {"staff_b": 422}),
        json=new_order_body,
    ),
    ("GET", "/api/v1/orders"): Route(logged_in(200)),
    ("GET", ORDER): Route(parties_and_admins(200), path=order_path(S.PROPOSED)),
    ("PATCH", ORDER): Route(
        move_by(200, *MEMBERS_OF_A),
        path=order_path(S.PROPOSED),
        json=lambda w: {"deposit_percent": 50},
    ),
    ("POST", f"{ORDER}/confirm"): move_row("confirm", S.PROPOSED, "buyer_x"),
    ("POST", f"{ORDER}/start-production"): move_row("start_production", S.CONFIRMED, *MEMBERS_OF_A),
    ("POST", f"{ORDER}/ship"): move_row("ship", S.IN_PRODUCTION, *MEMBERS_OF_A),
    ("POST", f"{ORDER}/deliver"): move_row("deliver", S.SHIPPED, "buyer_x"),
    ("POST", f"{ORDER}/complete"): move_row("complete", S.DELIVERED, "buyer_x"),
    ("POST", f"{ORDER}/cancel"): move_row("cancel", S.PROPOSED, *PARTIES),
    ("POST", f"{ORDER}/dispute"): move_row("dispute", S.SHIPPED, "buyer_x"),
    ("POST", RESOLVE): Route(
        only(200, "admin"),
        path=lambda w: f"/api/v1/admin/orders/{order_in(w, S.DISPUTED).id}/resolve",
        json=lambda w: {"outcome": "completed", "note": "Settled with photos."},
    ),
    ("POST", f"{ORDER}/documents"): Route(
        move_by(201, *PARTIES),
        path=order_path(S.PROPOSED, "/documents"),
        form=lambda w: {"file": (io.BytesIO(pdf_bytes()), "packing.pdf"), "kind": "packing_list"},
    ),
    ("GET", DOCUMENT): Route(
        parties_and_admins(200),
        path=lambda w: f"/api/v1/orders/{document_of(w).order_id}/documents/{document_of(w).id}",
    ),
    ("DELETE", DOCUMENT): Route(
        move_by(204, "staff_a"),  # the uploader; a colleague, the buyer and admins: 403
        path=lambda w: f"/api/v1/orders/{document_of(w).order_id}/documents/{document_of(w).id}",
    ),
}

EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "POST",
        f"{ORDER}/confirm",
        "an order already confirmed",
        Route(
            move_by(409, "buyer_x"),
            path=order_path(S.CONFIRMED, "/confirm"),
        ),
    ),
]

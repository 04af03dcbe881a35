"""Rows for the inquiry and notification routes, API and pages (issue 5).

The world's inquiry goes from buyer X to supplier A: its parties are buyer X and A's
owner and staff; admins may read it but not write to it (403); everyone else is told it
does not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable

from marketplace import transaction
from marketplace.extensions import db
from marketplace.inquiries import services
from marketplace.inquiries.models import Inquiry, InquiryMessage, Side
from marketplace.notifications.services import notify
from tests.authz.framework import (
    MEMBERS_OF_A,
    SUPPLIER_MEMBERS,
    SUSPENDED,
    Route,
    World,
    a_members,
    logged_in,
    only,
    read_only_while_suspended,
    suspended_company_only,
)
from tests.catalog.support import make_product
from tests.factories import InquiryFactory

ID = "<int(max=2147483647):inquiry_id>"
INQUIRY = f"/api/v1/inquiries/{ID}"
BUYER_PAGE = f"/buyer/inquiries/{ID}"
SUPPLIER_PAGE = f"/dashboard/inquiries/{ID}"
BUYERS = ("buyer_x", "buyer_y")
PARTIES = ("buyer_x", *MEMBERS_OF_A)


# --- the world's objects ------------------------------------------------------------


def make_inquiry(world: World, *, closed: bool = False) -> Inquiry:
    inquiry = InquiryFactory(
        buyer=world.users["buyer_x"],
        supplier=world.supplier_a,
        message="EVA slides, sizes 36-41, your best FOB Xiamen price?",
    )
    if closed:
        services.close_inquiry(inquiry, world.users["buyer_x"], Side.BUYER)
        transaction.commit()
    return inquiry


def inquiry_a(world: World) -> Inquiry:
    return world.memo("inquiry_a", lambda: make_inquiry(world))


def closed_inquiry_a(world: World) -> Inquiry:
    return world.memo("closed_inquiry_a", lambda: make_inquiry(world, closed=True))


def suspended_inquiry(world: World) -> Inquiry:
    """Buyer X's inquiry to the company that was suspended after receiving it."""

    def make() -> Inquiry:
        buyer = world.users["buyer_x"]
        inquiry = Inquiry(
            buyer_id=buyer.id,
            supplier_id=world.suspended.id,
            quantity=3000,
            currency="USD",
            destination_country="US",
            message="Hotel slippers with logo?",
        )
        db.session.add(inquiry)
        db.session.flush()
        db.session.add(
            InquiryMessage(
                inquiry_id=inquiry.id, sender_id=buyer.id, sender_side=Side.BUYER, body="Hi"
            )
        )
        transaction.commit()
        return inquiry

    return world.memo("suspended_inquiry", make)


def notification_x(world: World):
    def make():
        (notification,) = notify([world.users["buyer_x"]], "test.hello", "Hello buyer X")
        transaction.commit()
        return notification

    return world.memo("notification_x", make)


def published_a(world: World):
    return world.published_a


def draft_a(world: World):
    return world.memo("draft_a_plain", lambda: make_product(world.supplier_a, sku="A-INQ-DRAFT"))


# --- bodies and paths ------------------------------------------------------------------


def inquiry_body(world: World, **overrides) -> dict:
    return {
        "supplier_id": world.supplier_a.id,
        "quantity": 2000,
        "destination_country": "VN",
        "message": "Please quote PVC slides, 3 colours.",
    } | overrides


def inquiry_form(world: World) -> dict:
    return {
        "supplier_id": str(world.supplier_a.id),
        "quantity": "2,000",
        "currency": "USD",
        "destination_country": "ZA",
        "incoterm": "FOB",
        "target_unit_price": "0.95",
        "message": "Plush slippers for winter, 6 designs.",
    }


def api_path(get: Callable[[World], Inquiry], suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/inquiries/{get(w).id}{suffix}"


def page_path(prefix: str, get: Callable[[World], Inquiry], suffix: str = ""):
    return lambda w: f"{prefix}/{get(w).id}{suffix}"


def parties(status: int, *, admin: int) -> dict[str, int]:
    """``status`` for the parties, ``admin`` for admins, 404 for every other user."""
    return logged_in(404) | dict.fromkeys(PARTIES, status) | {"admin": admin}


def writing_parties(status: int, *, admin: int) -> dict[str, int]:
    """``parties`` on a writing route: the suspended company's members are refused (403)
    whatever the inquiry."""
    return read_only_while_suspended(parties(status, admin=admin))


def page(
    expect: dict[str, int],
    path: str | Callable[[World], str],
    *,
    login_next: str,
    form: Callable[[World], dict] | None = None,
    success: str | Callable[[World], str] | None = None,
    writes: tuple[str, ...] | None = None,
) -> Route:
    """A dashboard page: anonymous goes to the login page (``next`` starts with
    ``login_next``); another 302 must point at ``success``."""

    def location(world: World, principal: str) -> str | None:
        if principal == "anonymous":
            return f"/login?next={login_next}"
        return success(world) if callable(success) else success

    return Route(
        expect,
        path=path,
        form=form,
        page=True,
        location=location,
        writes=writes if writes is not None else (() if form is not None else None),
    )


buyer_thread = page_path("/buyer/inquiries", inquiry_a)
supplier_thread = page_path("/dashboard/inquiries", inquiry_a)


MATRIX: dict[tuple[str, str], Route] = {
    # API ----------------------------------------------------------------------------
    ("POST", "/api/v1/inquiries"): Route(only(201, *BUYERS), json=inquiry_body),
    ("GET", "/api/v1/inquiries"): Route(logged_in(200)),
    ("GET", INQUIRY): Route(parties(200, admin=200), path=api_path(inquiry_a)),
    ("GET", f"{INQUIRY}/messages"): Route(
        parties(200, admin=200), path=api_path(inquiry_a, "/messages")
    ),
    ("POST", f"{INQUIRY}/messages"): Route(
        writing_parties(201, admin=403),
        path=api_path(inquiry_a, "/messages"),
        json=lambda w: {"body": "Our FOB price is USD 0.92 at 5,000 pairs."},
    ),
    ("POST", f"{INQUIRY}/close"): Route(
        writing_parties(200, admin=403), path=api_path(inquiry_a, "/close")
    ),
    ("POST", f"{INQUIRY}/read"): Route(
        writing_parties(200, admin=403), path=api_path(inquiry_a, "/read")
    ),
    ("GET", "/api/v1/notifications"): Route(logged_in(200)),
    ("POST", "/api/v1/notifications/<int(max=2147483647):notification_id>/read"): Route(
        # Buyer X's notification: nobody else's to read.
        logged_in(404) | {"buyer_x": 200},
        path=lambda w: f"/api/v1/notifications/{notification_x(w).id}/read",
    ),
    ("POST", "/api/v1/notifications/read-all"): Route(logged_in(200)),
    # Buyer pages ------------------------------------------------------------------------
    ("GET", "/buyer/inquiries"): page(
        only(200, *BUYERS, anonymous=302), "/buyer/inquiries", login_next="/buyer/inquiries"
    ),
    ("GET", "/buyer/inquiries/new"): page(
        only(200, *BUYERS, anonymous=302),
        lambda w: f"/buyer/inquiries/new?supplier_id={w.supplier_a.id}",
        login_next="/buyer/inquiries/new",
    ),
    ("POST", "/buyer/inquiries/new"): page(
        only(302, *BUYERS, anonymous=302),
        "/buyer/inquiries/new",
        login_next="/buyer/inquiries/new",
        form=inquiry_form,
        success="/buyer/inquiries/",
        writes=BUYERS,
    ),
    ("GET", BUYER_PAGE): page(
        only(200, "buyer_x", anonymous=302) | {"buyer_y": 404},
        buyer_thread,
        login_next="/buyer/inquiries/",
    ),
    ("POST", f"{BUYER_PAGE}/messages"): page(
        only(302, "buyer_x", anonymous=302) | {"buyer_y": 404},
        page_path("/buyer/inquiries", inquiry_a, "/messages"),
        login_next="/buyer/inquiries/",
        form=lambda w: {"body": "Can you send samples to Manila?"},
        success=buyer_thread,
        writes=("buyer_x",),
    ),
    ("POST", f"{BUYER_PAGE}/<any(close, read):action>"): page(
        only(302, "buyer_x", anonymous=302) | {"buyer_y": 404},
        page_path("/buyer/inquiries", inquiry_a, "/close"),
        login_next="/buyer/inquiries/",
        form=lambda w: {},
        success=buyer_thread,
        writes=("buyer_x",),
    ),
    # Supplier pages ---------------------------------------------------------------------
    ("GET", "/dashboard/inquiries"): page(
        only(200, *SUPPLIER_MEMBERS, anonymous=302),
        "/dashboard/inquiries",
        login_next="/dashboard/inquiries",
    ),
    ("GET", SUPPLIER_PAGE): page(
        a_members(200, anonymous=302), supplier_thread, login_next="/dashboard/inquiries/"
    ),
    ("POST", f"{SUPPLIER_PAGE}/messages"): page(
        read_only_while_suspended(a_members(302, anonymous=302)),
        page_path("/dashboard/inquiries", inquiry_a, "/messages"),
        login_next="/dashboard/inquiries/",
        form=lambda w: {"body": "USD 0.92 FOB Xiamen, 35 days."},
        success=supplier_thread,
        writes=MEMBERS_OF_A,
    ),
    ("POST", f"{SUPPLIER_PAGE}/<any(close, read):action>"): page(
        read_only_while_suspended(a_members(302, anonymous=302)),
        page_path("/dashboard/inquiries", inquiry_a, "/read"),
        login_next="/dashboard/inquiries/",
        form=lambda w: {},
        success=supplier_thread,
        writes=MEMBERS_OF_A,  # the buyer's opening message was unread
    ),
}

EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "POST",
        f"{INQUIRY}/messages",
        "a closed inquiry",
        Route(
            writing_parties(409, admin=403),
            path=api_path(closed_inquiry_a, "/messages"),
            json=lambda w: {"body": "Still there?"},
        ),
    ),
    (
        "POST",
        f"{INQUIRY}/close",
        "a closed inquiry",
        Route(writing_parties(409, admin=403), path=api_path(closed_inquiry_a, "/close")),
    ),
    (
        "POST",
        "/api/v1/inquiries",
        "about A's published product",
        Route(
            only(201, *BUYERS),
            json=lambda w: {
                "product_id": published_a(w).id,
                "quantity": 1000,
                "destination_country": "IN",
                "message": "Samples available?",
            },
        ),
    ),
    (
        "POST",
        "/api/v1/inquiries",
        "about A's draft (invisible to buyers)",
        Route(
            only(404, *BUYERS),
            json=lambda w: {
                "product_id": draft_a(w).id,
                "quantity": 1000,
                "destination_country": "IN",
                "message": "Samples available?",
            },
        ),
    ),
    (
        "POST",
        "/api/v1/inquiries",
        "to the suspended company",
        Route(only(404, *BUYERS), json=lambda w: inquiry_body(w, supplier_id=w.suspended.id)),
    ),
    # Buyer X's inquiry to the suspended company: its members read it, write nothing.
    *[
        (
            "POST",
            rule,
            "the suspended company's inquiry",
            Route(
                logged_in(404) | {"buyer_x": buyer_x, "admin": 403} | dict.fromkeys(SUSPENDED, 403),
                path=api_path(suspended_inquiry, suffix),
                json=body,
            ),
        )
        for rule, suffix, buyer_x, body in (
            (f"{INQUIRY}/messages", "/messages", 201, lambda w: {"body": "We can ship in May."}),
            (f"{INQUIRY}/close", "/close", 200, None),
            (f"{INQUIRY}/read", "/read", 200, None),
        )
    ],
    *[
        (
            "POST",
            rule,
            "the suspended company's inquiry",
            page(
                suspended_company_only(403, anonymous=302),
                page_path("/dashboard/inquiries", suspended_inquiry, suffix),
                login_next="/dashboard/inquiries/",
                form=form,
            ),
        )
        for rule, suffix, form in (
            (f"{SUPPLIER_PAGE}/messages", "/messages", lambda w: {"body": "We can ship in May."}),
            (f"{SUPPLIER_PAGE}/<any(close, read):action>", "/close", lambda w: {}),
            (f"{SUPPLIER_PAGE}/<any(close, read):action>", "/read", lambda w: {}),
        )
    ],
    (
        "GET",
        INQUIRY,
        "the suspended company's inquiry",
        Route(
            logged_in(404) | {"buyer_x": 200, "admin": 200} | dict.fromkeys(SUSPENDED, 200),
            path=api_path(suspended_inquiry),
        ),
    ),
    (
        "GET",
        "/buyer/inquiries/new",
        "about A's draft",
        page(
            only(404, *BUYERS, anonymous=302),
            lambda w: f"/buyer/inquiries/new?product_id={draft_a(w).id}",
            login_next="/buyer/inquiries/new",
        ),
    ),
    (
        "POST",
        f"{BUYER_PAGE}/messages",
        "a closed inquiry",
        page(
            # Refused with a flash message on the thread page: nothing written.
            only(302, "buyer_x", anonymous=302) | {"buyer_y": 404},
            page_path("/buyer/inquiries", closed_inquiry_a, "/messages"),
            login_next="/buyer/inquiries/",
            form=lambda w: {"body": "Hello?"},
            success=page_path("/buyer/inquiries", closed_inquiry_a),
            writes=(),
        ),
    ),
]

"""Rows for the sample request routes: API and pages.

The world's sample requests go from buyer X to supplier A (for A's published product),
one per state a row needs: the buyer's moves are buyer X's, the supplier's moves are A's
owner's and staff's; the other party and admins are refused (403), everyone else is told
the request does not exist (404).  The suspended company's members read, never move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from marketplace import transaction
from marketplace.extensions import db
from marketplace.samples.models import SampleRequest, SampleStatus
from tests.authz.framework import (
    MEMBERS_OF_A,
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
from tests.samples.support import BODIES, make_sample

ID = "<int(max=2147483647):sample_request_id>"
PAGE_ID = "<int(max=2147483647):sample_id>"
API = f"/api/v1/sample-requests/{ID}"
BUYER_PAGE = f"/buyer/samples/{PAGE_ID}"
SUPPLIER_PAGE = f"/dashboard/samples/{PAGE_ID}"
BUYERS = ("buyer_x", "buyer_y")
PARTIES = ("buyer_x", *MEMBERS_OF_A)


def sample_in(status: SampleStatus) -> Callable[[World], SampleRequest]:
    def get(world: World) -> SampleRequest:
        return world.memo(
            f"sample_{status.value}",
            lambda: make_sample(
                world.users["buyer_x"], world.published_a, status, member=world.users["owner_a"]
            ),
        )

    return get


def suspended_sample(world: World) -> SampleRequest:
    """Buyer X's request to the company that was suspended after receiving it."""

    def make() -> SampleRequest:
        sample = SampleRequest(
            buyer_id=world.users["buyer_x"].id,
            supplier_id=world.suspended.id,
            product_id=world.suspended_published.id,
            quantity_pairs=2,
            destination_country="US",
        )
        db.session.add(sample)
        transaction.commit()
        return sample

    return world.memo("suspended_sample", make)


def api_path(get: Callable[[World], SampleRequest], suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/sample-requests/{get(w).id}{suffix}"


def page_path(prefix: str, get: Callable[[World], SampleRequest], suffix: str = ""):
    return lambda w: f"{prefix}/{get(w).id}{suffix}"


def parties(status: int, *, admin: int) -> dict[str, int]:
    return logged_in(404) | dict.fromkeys(PARTIES, status) | {"admin": admin}


def move_expect(side: str, status: int = 200) -> dict[str, int]:
    """A move: ``status`` for its party's side, 403 for the other side and admins, 404 for
    everyone else, 403 for the suspended company's members (before anything is read)."""
    movers = ("buyer_x",) if side == "buyer" else MEMBERS_OF_A
    others = MEMBERS_OF_A if side == "buyer" else ("buyer_x",)
    return read_only_while_suspended(
        logged_in(404) | dict.fromkeys(others, 403) | dict.fromkeys(movers, status) | {"admin": 403}
    )


def request_body(world: World) -> dict:
    return {"product_id": world.published_a.id, "quantity_pairs": 3, "destination_country": "VN"}


def request_form(world: World) -> dict:
    return {
        "product_id": str(world.published_a.id),
        "quantity_pairs": "3",
        "destination_country": "ZA",
        "sizes": "38 40",
    }


def new_page(expect: dict[str, int], path: Callable[[World], str], **kwargs) -> Route:
    """The request form: anonymous is sent to sign in with ``next`` (its query encoded)."""
    route = dashboard(expect, path, **kwargs)
    success = kwargs.get("success")

    def location(world: World, principal: str) -> str | None:
        return "/login?next=/buyer/samples/new" if principal == "anonymous" else success

    return replace(route, location=location)


buyer_detail = page_path("/buyer/samples", sample_in(SampleStatus.REQUESTED))
supplier_detail = page_path("/dashboard/samples", sample_in(SampleStatus.REQUESTED))

# move -> (the state it starts from, its side)
MOVES = {
    "quote": (SampleStatus.REQUESTED, "supplier"),
    "accept": (SampleStatus.QUOTED, "buyer"),
    "ship": (SampleStatus.ACCEPTED, "supplier"),
    "receive": (SampleStatus.SHIPPED, "buyer"),
    "decline": (SampleStatus.REQUESTED, "supplier"),
    "cancel": (SampleStatus.REQUESTED, "buyer"),
}


MATRIX: dict[tuple[str, str], Route] = {
    # API ----------------------------------------------------------------------------
    ("POST", "/api/v1/sample-requests"): Route(only(201, *BUYERS), json=request_body),
    ("GET", "/api/v1/sample-requests"): Route(logged_in(200)),
    ("GET", API): Route(parties(200, admin=200), path=api_path(sample_in(SampleStatus.REQUESTED))),
    **{
        ("POST", f"{API}/{name}"): Route(
            move_expect(side),
            path=api_path(sample_in(start), f"/{name}"),
            json=(lambda w, name=name: BODIES[name]) if BODIES[name] else None,
        )
        for name, (start, side) in MOVES.items()
    },
    # Buyer pages ------------------------------------------------------------------------
    ("GET", "/buyer/samples"): dashboard(only(200, *BUYERS, anonymous=302), "/buyer/samples"),
    ("GET", "/buyer/samples/new"): new_page(
        only(200, *BUYERS, anonymous=302),
        lambda w: f"/buyer/samples/new?product_id={w.published_a.id}",
    ),
    ("POST", "/buyer/samples/new"): new_page(
        only(302, *BUYERS, anonymous=302),
        lambda w: f"/buyer/samples/new?product_id={w.published_a.id}",
        form=request_form,
        success="/buyer/samples/",
        writes=BUYERS,
    ),
    ("GET", BUYER_PAGE): dashboard(
        only(200, "buyer_x", anonymous=302) | {"buyer_y": 404}, buyer_detail
    ),
    ("POST", f"{BUYER_PAGE}/<any(accept, receive, cancel):action>"): dashboard(
        only(302, "buyer_x", anonymous=302) | {"buyer_y": 404},
        page_path("/buyer/samples", sample_in(SampleStatus.REQUESTED), "/cancel"),
        form=lambda w: {},
        success=buyer_detail,
        writes=("buyer_x",),
    ),
    # Supplier pages ---------------------------------------------------------------------
    ("GET", "/dashboard/samples"): dashboard(
        only(200, *SUPPLIER_MEMBERS, anonymous=302), "/dashboard/samples"
    ),
    ("GET", SUPPLIER_PAGE): dashboard(a_members(200, anonymous=302), supplier_detail),
    ("POST", f"{SUPPLIER_PAGE}/<any(quote, ship, decline):action>"): dashboard(
        read_only_while_suspended(a_members(302, anonymous=302)),
        page_path("/dashboard/samples", sample_in(SampleStatus.REQUESTED), "/decline"),
        form=lambda w: {"reason": "Out of production."},
        success=supplier_detail,
        writes=MEMBERS_OF_A,
    ),
}

EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    # A move from a state it does not start from: 409 for its party, nothing written.
    *[
        (
            "POST",
            f"{API}/{name}",
            f"from {wrong.value}",
            Route(
                move_expect(side, 409),
                path=api_path(sample_in(wrong), f"/{name}"),
                json=(lambda w, name=name: BODIES[name]) if BODIES[name] else None,
            ),
        )
        for name, side, wrong in (
            ("quote", "supplier", SampleStatus.CANCELLED),
            ("accept", "buyer", SampleStatus.REQUESTED),
            ("ship", "supplier", SampleStatus.QUOTED),
            ("receive", "buyer", SampleStatus.RECEIVED),
            ("decline", "supplier", SampleStatus.QUOTED),
            ("cancel", "buyer", SampleStatus.ACCEPTED),
        )
    ],
    (
        "POST",
        "/api/v1/sample-requests",
        "for A's draft (invisible to buyers)",
        Route(
            only(404, *BUYERS),
            json=lambda w: {
                "product_id": w.draft_a.id,
                "quantity_pairs": 2,
                "destination_country": "IN",
            },
        ),
    ),
    (
        "POST",
        "/api/v1/sample-requests",
        "for the suspended company's product",
        Route(
            only(404, *BUYERS),
            json=lambda w: {
                "product_id": w.suspended_published.id,
                "quantity_pairs": 2,
                "destination_country": "IN",
            },
        ),
    ),
    # Buyer X's request to the suspended company: its members read it, move nothing.
    (
        "GET",
        API,
        "the suspended company's request",
        Route(
            logged_in(404) | {"buyer_x": 200, "admin": 200} | dict.fromkeys(SUSPENDED, 200),
            path=api_path(suspended_sample),
        ),
    ),
    (
        "POST",
        f"{API}/decline",
        "the suspended company's request",
        Route(
            logged_in(404) | {"buyer_x": 403, "admin": 403} | dict.fromkeys(SUSPENDED, 403),
            path=api_path(suspended_sample, "/decline"),
            json=lambda w: {"reason": "Closed."},
        ),
    ),
    (
        "POST",
        f"{API}/cancel",
        "the suspended company's request",
        Route(
            logged_in(404) | {"buyer_x": 200, "admin": 403} | dict.fromkeys(SUSPENDED, 403),
            path=api_path(suspended_sample, "/cancel"),
        ),
    ),
    (
        "POST",
        f"{SUPPLIER_PAGE}/<any(quote, ship, decline):action>",
        "the suspended company's request",
        dashboard(
            suspended_company_only(403, anonymous=302),
            page_path("/dashboard/samples", suspended_sample, "/decline"),
            form=lambda w: {"reason": "Closed."},
        ),
    ),
    (
        "GET",
        SUPPLIER_PAGE,
        "the suspended company's request",
        dashboard(
            suspended_company_only(200, anonymous=302),
            page_path("/dashboard/samples", suspended_sample),
        ),
    ),
    (
        "POST",
        f"{BUYER_PAGE}/<any(accept, receive, cancel):action>",
        "a cancelled request",
        dashboard(
            # Refused with a flash message on the request's page: nothing written.
            only(302, "buyer_x", anonymous=302) | {"buyer_y": 404},
            page_path("/buyer/samples", sample_in(SampleStatus.CANCELLED), "/cancel"),
            form=lambda w: {},
            success=page_path("/buyer/samples", sample_in(SampleStatus.CANCELLED)),
            writes=(),
        ),
    ),
    (
        "GET",
        "/buyer/samples/new",
        "for A's draft",
        new_page(
            only(404, *BUYERS, anonymous=302),
            lambda w: f"/buyer/samples/new?product_id={w.draft_a.id}",
        ),
    ),
]

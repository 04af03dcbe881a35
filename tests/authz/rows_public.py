"""Rows for the public catalog pages (issue 4): 200 for everyone, 404 for what is hidden.

A hidden product (a draft, a suspended company's product) and a suspended company's
profile are 404 for the public and for other companies; their own company's members and
the admins get the page under a "preview" banner (tests/web/test_public_product.py).
"""

from __future__ import annotations

from tests.authz.framework import MEMBERS_OF_A, SUSPENDED, Route, World, everyone

PRODUCT_PAGE = "/products/<int(max=2147483647):product_id>"
SUPPLIER_PAGE = "/suppliers/<int(max=2147483647):supplier_id>"


def product_page(name: str):
    return lambda w: f"/products/{getattr(w, name).id}"


def supplier_page(name: str):
    return lambda w: f"/suppliers/{getattr(w, name).id}"


def search_for_a(world: World) -> str:
    world.published_a  # noqa: B018 - make it exist (and be indexed) before the search
    return f"/products?supplier_id={world.supplier_a.id}&q=slippers"


MATRIX: dict[tuple[str, str], Route] = {
    ("GET", "/products"): Route(everyone(200), path=search_for_a, page=True),
    ("GET", PRODUCT_PAGE): Route(everyone(200), path=product_page("published_a"), page=True),
    ("GET", "/suppliers"): Route(everyone(200), path="/suppliers?verified=false", page=True),
    ("GET", SUPPLIER_PAGE): Route(everyone(200), path=supplier_page("supplier_a"), page=True),
}

EXTRA_ROWS: list[tuple[str, str, str, Route]] = [
    (
        "GET",
        PRODUCT_PAGE,
        "A's draft",
        Route(
            everyone(404) | dict.fromkeys((*MEMBERS_OF_A, "admin"), 200),
            path=product_page("draft_a"),
            page=True,
        ),
    ),
    (
        "GET",
        PRODUCT_PAGE,
        "the suspended company's published product",
        Route(
            everyone(404) | dict.fromkeys((*SUSPENDED, "admin"), 200),
            path=product_page("suspended_published"),
            page=True,
        ),
    ),
    (
        "GET",
        PRODUCT_PAGE,
        "no such product",
        Route(everyone(404), path="/products/2147483647", page=True),
    ),
    (
        "GET",
        SUPPLIER_PAGE,
        "the suspended company",
        Route(
            everyone(404) | dict.fromkeys((*SUSPENDED, "admin"), 200),
            path=supplier_page("suspended"),
            page=True,
        ),
    ),
    (
        "GET",
        "/products",
        "a forged cursor",
        Route(everyone(422), path="/products?cursor=forged", page=True),
    ),
]

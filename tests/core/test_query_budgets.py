"""Statements per request on the hot routes: a budget each, and none that grows with the
number of products or suppliers on the page (no query per card, per image, per tier)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.suppliers.models import VerificationStatus
from tests.catalog.support import make_product
from tests.factories import SupplierFactory
from tests.web.public_catalog import tiers

HTML = {"Accept": "text/html"}


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        # BEGIN/COMMIT/SAVEPOINT bookkeeping is not a query a page asks for.
        return sum(
            1
            for s in self.statements
            if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))
        )


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counted: ...``; ``len(counted)`` statements ran."""

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(_conn, _cursor, statement, *_args):
            counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


def catalog(products_per_supplier: int, suppliers: int = 2) -> list:
    made = []
    for number in range(suppliers):
        supplier = SupplierFactory(
            name=f"Budget Slippers {products_per_supplier}-{number}",
            verification_status=VerificationStatus.VERIFIED,
        )
        for index in range(products_per_supplier):
            made.append(
                make_product(
                    supplier,
                    ProductStatus.PUBLISHED,
                    sku=f"BUD-{products_per_supplier}-{number}-{index}",
                    name=f"Budget EVA slide {index}",
                    price_tiers=tiers((1000, "1.20"), (5000, "1.05")),
                )
            )
    return made


def statements(client, count_queries, path: str, **kwargs) -> int:
    client.get(path, **kwargs)  # warm: the first request loads lazily cached vocabularies
    # The test and the app share one session: forget what the test loaded, as a fresh
    # request would not have it.
    db.session.expunge_all()
    with count_queries() as counted:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, path
    return len(counted)


# Statements measured on this code (the larger of SQLite and PostgreSQL, which counts the
# supplier page's facets in two more); raise one only with a reason.
BUDGETS = {
    "/api/v1/products?q=budget": 6,
    "/api/v1/products/{id}": 5,
    "/": 5,
    "/products?q=budget": 11,
    "/products/{id}": 7,
    "/suppliers/{supplier}": 11,
}


@pytest.mark.parametrize("route", sorted(BUDGETS))
def test_hot_routes_keep_their_budget_whatever_the_page_holds(app, count_queries, route):
    client = app.test_client()
    few = catalog(2)
    first = few[0]
    small = route.format(id=first.id, supplier=first.supplier_id)
    headers = {} if route.startswith("/api/") else {"headers": HTML}
    counted_small = statements(client, count_queries, small, **headers)

    many = catalog(8)
    big = route.format(id=many[0].id, supplier=many[0].supplier_id)
    counted_big = statements(client, count_queries, big, **headers)

    assert counted_small <= BUDGETS[route], (route, counted_small)
    assert counted_big == counted_small, f"{route}: {counted_small} -> {counted_big} statements"


def test_the_counter_sees_a_query_per_row_when_there_is_one(app, count_queries):
    """The fixture itself: a loop of look-ups is counted one by one."""
    ids = [product.id for product in catalog(3, suppliers=1)]
    with count_queries() as counted:
        for product_id in ids:
            db.session.execute(sa.text("SELECT 1 WHERE :id > 0"), {"id": product_id})
    assert len(counted) == 3, counted.statements

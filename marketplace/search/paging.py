"""Pages of search results: sorts, keyset cursors and how each walks the index.

Relevance is a level, then quality: a product whose name holds every word of the query
comes first (level 0), then one whose name, category and materials hold them (1), then
one that holds them anywhere, description and supplier name included (2). Within a
level: verified suppliers first, then higher response rates, then newest: the
``rank_key``. A level is read in ``rank_key`` order and stops after one page, so a common
word costs about what a rare one does; no search scores every match. (PostgreSQL walks
the rank-key index for at most ``WALK_ROWS`` rows, then lets the GIN index find the rest
of a level whose matches are that sparse; FTS5 hands out its matches in rowid order,
and the rowid is the rank key.)

Pages are keyset pages with signed cursors (a forged one is a 422).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marketplace.errors import ValidationFailed
from marketplace.pagination import decode_cursor
from marketplace.search.models import LEVELS, docs, prices

if TYPE_CHECKING:
    from marketplace.search.query import SearchQuery

# PostgreSQL: how far a level walks the rank-key index before it asks the GIN index for
# the rest (a level that has not filled a page by then is sparse). Read by its backend.
WALK_ROWS = 4096


@dataclass
class Order:
    """A sort: its keys (expression, descending; the last one unique) and the index it
    walks (``table`` with ``where``: the conditions that index itself can answer)."""

    keys: list[tuple[Any, bool]]
    table: Any = docs
    where: list[Any] = field(default_factory=list)

    @property
    def descending(self) -> bool:
        return self.keys[0][1]

    def tuple_(self):
        return sa.tuple_(*(expr for expr, _ in self.keys))

    def after(self, values: list[Any]):
        """Rows strictly after ``values`` (keyset pagination: a row comparison, which an
        index on the keys answers)."""
        row, bound = self.tuple_(), sa.tuple_(*(sa.literal(v) for v in values))
        return row < bound if self.descending else row > bound

    def until(self, values: list[Any]):
        row, bound = self.tuple_(), sa.tuple_(*(sa.literal(v) for v in values))
        return row >= bound if self.descending else row <= bound

    def order_by(self, unordered: bool = False) -> list[Any]:
        exprs = [(_unordered(e) if unordered else e, d) for e, d in self.keys]
        return [e.desc() if d else e.asc() for e, d in exprs]


def order_for(query: SearchQuery, sort: str) -> Order:
    d = docs.c
    if sort == "relevance":
        return Order([(query.rank, True)], where=query.rank_where)
    if sort == "price_asc" and query.at_quantity:
        q = query.args["quantity"]
        return Order(
            [(query.backend.price(prices.c.unit_price), False), (prices.c.product_id, False)],
            table=prices,
            where=[prices.c.min_qty <= q, prices.c.max_qty >= q],
        )
    if sort == "price_asc":
        return Order([(query.price, False), (d.product_id, False)])
    if sort == "moq_asc":
        return Order([(d.moq, False), (d.product_id, False)])
    return Order([(query.backend.newest_key(query), True)])


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed(errors={"cursor": ["Invalid cursor."]})


def cursor_values(sort: str, cursor: str, length: int) -> list[Any]:
    values = decode_cursor(cursor, salt=f"search:{sort}", length=length)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise invalid_cursor()
    if sort == "relevance":
        if not all(isinstance(v, int) for v in values) or values[0] not in LEVELS:
            raise invalid_cursor()
        return values
    out = []
    for value in values[:-1]:
        if isinstance(value, str):  # an exact price (PostgreSQL numeric)
            try:
                value = Decimal(value)
            except InvalidOperation as exc:
                raise invalid_cursor() from exc
        out.append(value)
    if not isinstance(values[-1], int):
        raise invalid_cursor()
    return [*out, values[-1]]


def encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def _unordered(expr):
    """The same order, but one no index hands out (PostgreSQL then finds the matches
    through the GIN indexes and sorts them)."""
    return expr + 0


def walk(
    query: SearchQuery, order: Order, page: sa.Select, need: int, after: list | None, small: bool
) -> list[sa.Row]:
    """Up to ``need`` rows of ``page`` in ``order``, after the keyset ``after``: as the
    backend walks an order (``small``: few matches in all)."""
    if after is not None:
        page = page.where(order.after(after))
    return query.backend.walk(order, page, need, after, small)


def relevance_by_level(
    query: SearchQuery, limit: int, cursor: list[int] | None, small: bool
) -> list[tuple[int, int, int]]:
    """Up to ``limit`` (product id, level, rank key), best first: level by level."""
    order = order_for(query, "relevance")
    rows: list[tuple[int, int, int]] = []
    for level in LEVELS:
        if cursor is not None and level < cursor[0]:
            continue
        after = [cursor[1]] if cursor is not None and level == cursor[0] else None
        page = query.source(
            docs.c.product_id, query.rank.label("rank_key"), level=level, exact=True
        )
        found = walk(query, order, page, limit - len(rows), after, small)
        rows += [(product_id, level, key) for product_id, key in found]
        if len(rows) >= limit:
            break
    return rows

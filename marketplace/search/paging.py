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
from typing import Any

import sqlalchemy as sa

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import decode_cursor
from marketplace.search.models import docs, fts_tags, prices
from marketplace.search.query import LEVELS, SearchQuery, as_float

# PostgreSQL: how far a level walks the rank-key index before it asks the GIN index for
# the rest (a level that has not filled a page by then is sparse).
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
        price = prices.c.unit_price if query.postgresql else as_float(prices.c.unit_price)
        return Order(
            [(price, False), (prices.c.product_id, False)],
            table=prices,
            where=[prices.c.min_qty <= q, prices.c.max_qty >= q],
        )
    if sort == "price_asc":
        return Order([(query.price, False), (d.product_id, False)])
    if sort == "moq_asc":
        return Order([(d.moq, False), (d.product_id, False)])
    # FTS5 hands out ``search_fts_tags`` rows by rowid, which is the product id.
    return Order([(fts_tags.c.rowid if query.fts_tags else d.product_id, True)])


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
    """Up to ``need`` rows of ``page`` in ``order``, after the keyset ``after``.

    SQLite: one statement (FTS5, or the sort's index, stops after the page). PostgreSQL:
    with few matches in all (``small``), find them all and sort them; else walk the sort's
    index for ``WALK_ROWS`` rows at most, and if the page is not full by then (the matches
    are sparse in this order), find the rest past that point through the other indexes
    and sort them. (An ORDER BY that no index hands out: the planner cannot bet on an
    ordered walk meeting enough matches early, a bet a misjudged selectivity turns into
    a walk of a million rows. Nor do longer walks pay: where prices follow the category,
    a search for plush slippers meets none among the 36,000 cheapest products.)"""
    if after is not None:
        page = page.where(order.after(after))
    if not query.postgresql:
        return db.session.execute(page.order_by(*order.order_by()).limit(need)).all()
    if small:
        return db.session.execute(page.order_by(*order.order_by(unordered=True)).limit(need)).all()
    walked = sa.select(*(expr for expr, _ in order.keys)).select_from(order.table)
    walked = walked.where(*order.where)
    if after is not None:
        walked = walked.where(order.after(after))
    boundary = db.session.execute(
        walked.order_by(*order.order_by()).offset(WALK_ROWS - 1).limit(1)
    ).first()
    if boundary is None:  # fewer than WALK_ROWS rows left: walking them is the bound
        return db.session.execute(page.order_by(*order.order_by()).limit(need)).all()
    window = page.where(order.until(list(boundary)))
    rows = db.session.execute(window.order_by(*order.order_by()).limit(need)).all()
    if len(rows) < need:
        rest = page.where(order.after(list(boundary)))
        rows += db.session.execute(
            rest.order_by(*order.order_by(unordered=True)).limit(need - len(rows))
        ).all()
    return rows


def relevance_page(
    query: SearchQuery, limit: int, cursor: list[int] | None, small: bool
) -> list[tuple[int, int, int]]:
    """Up to ``limit`` (product id, level, rank key), best first: level by level."""
    if small and query.postgresql:
        return relevance_sorted(query, limit, cursor)
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


def relevance_sorted(
    query: SearchQuery, limit: int, cursor: list[int] | None
) -> list[tuple[int, int, int]]:
    """PostgreSQL, few matches in all: one look-up of every match (each GIN index read
    once, not once a level), each given its level, sorted."""
    matches = query.source(
        docs.c.product_id, query.level().label("level"), docs.c.rank_key.label("rank_key")
    ).subquery("matches")
    page = sa.select(matches)
    if cursor is not None:
        page = page.where(
            sa.or_(
                matches.c.level > cursor[0],
                sa.and_(matches.c.level == cursor[0], matches.c.rank_key < cursor[1]),
            )
        )
    page = page.order_by(matches.c.level, matches.c.rank_key.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(page)]

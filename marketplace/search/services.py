"""Product search: ``GET /api/v1/products``.

Only the search index is queried: ``search_fts_docs`` holds visible products only
(published, supplier active), matched through its tsvectors on PostgreSQL (GIN) or the
FTS5 table ``search_fts_text`` on SQLite. Filters on list values (materials, colors,
sizes, customization, certifications; on SQLite also category and supplier) are tokens in
the same index (PostgreSQL ``text[]`` with GIN; FTS5 columns), the price at a quantity is
one row of ``search_fts_prices``, and "verified" is a range of the rank key.

Relevance is a level, then quality: a product whose name holds every word of the query
comes first (level 0), then one whose name, category and materials hold them (1), then
one that holds them anywhere, description and supplier name included (2). Within a
level: verified suppliers first, then higher response rates, then newest: the
``rank_key``. A level is read in ``rank_key`` order and stops after one page, so a common
word costs about what a rare one does; no search scores every match. (PostgreSQL walks
the rank-key index for at most ``WALK_ROWS`` rows, then lets the GIN index find the rest
of a level whose matches are that sparse; FTS5 hands out its matches in rowid order,
and the rowid is the rank key.)

Pages are keyset pages with signed cursors. ``total`` and the facets are exact up to
``SEARCH_EXACT_TOTAL`` matches; with more, ``total`` is an estimate flagged
``total_is_estimate`` and the facet counts are scaled from a sample (PostgreSQL: the
matches in a fixed random sample of the index's pages; SQLite: the first matches, with
FTS5 counting its own). See ``_facets``.

A query word the catalog has ("slippers") is matched as that word (stemmed); any other
("slipp") as a prefix. Nothing found: the closest catalog words are searched instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.sql.util import ClauseAdapter

from marketplace.catalog.models import Category, Material, Product, product_materials
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import decode_cursor, encode_cursor
from marketplace.search import cards, text
from marketplace.search.indexer import (  # noqa: F401 - the sync API lives with the search
    rebuild_all,
    reindex_category,
    reindex_products,
    reindex_supplier,
)
from marketplace.search.models import (
    LEVEL_COLUMNS,
    LEVEL_DOCUMENTS,
    QUALITY_SHIFT,
    VERIFIED_QUALITY,
    docs,
    fts,
    fts_tags,
    prices,
    words,
)

DEFAULT_EXACT_TOTAL = 10_000
MAX_SUGGESTIONS = 3
LEVELS = range(len(LEVEL_COLUMNS))
# PostgreSQL: how far a level walks the rank-key index before it asks the GIN index for
# the rest (a level that has not filled a page by then is sparse).
WALK_ROWS = 4096
# PostgreSQL: the share of the index's pages (a fixed random choice) whose matches
# estimate how many there are in all; past ESTIMATE_MARGIN times the exact limit, the
# estimate is the total and the facets are scaled from them (see _facets).
SAMPLE_PERCENT = 0.5
SAMPLE_SEED = 590
ESTIMATE_MARGIN = 2
COUNT_FACTOR = 4

_KNOWN_WORDS = sa.select(words.c.word).where(
    words.c.word.in_(sa.bindparam("words", expanding=True))
)


class _Query:
    """The parts of one search, built once for the page, the counts and the facets."""

    def __init__(self, args: Mapping[str, Any]):
        self.args = args
        self.postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.terms = text.parse_query(args.get("q"))
        self.suggestions: dict[str, list[str]] = {}
        self.exact: set[str] = set()  # query words the catalog has: matched whole
        self.where: list[Any] = []  # conditions on docs columns
        self.rank_where: list[Any] = []  # the part of them on the rank key ("verified")
        self.tags: list[str] = []
        self.nothing = False  # a filter that no product can pass (unknown category, ...)
        self.has_text = bool(args.get("q") and args["q"].strip())
        if self.has_text and not self.terms:
            self.nothing = True  # only punctuation, emoji or stop words: nothing to find
        # SQLite: FTS5 drives, with the rank key as rowid when there are words.
        self.fts_text = not self.postgresql and bool(self.terms)
        self._filters()
        self.fts_tags = not self.postgresql and not self.terms and bool(self.tags)
        if self.terms and not self.nothing:
            self.exact = self._known_words()

    # Filters ---------------------------------------------------------------------

    def _filters(self) -> None:
        a, d = self.args, docs.c
        if a.get("supplier_id") is not None:
            if self.postgresql:
                self.where.append(d.supplier_id == a["supplier_id"])
            else:
                self._tag(f"sup{a['supplier_id']}")
        if a.get("category"):
            if self.postgresql:
                category = (
                    sa.select(Category.id)
                    .where(Category.slug == a["category"].strip().lower())
                    .scalar_subquery()
                )
                self.where.append(d.category_id == category)
            else:
                self._tag(text.tag("cat", a["category"]))
        if a.get("verified") is not None:
            # Verified suppliers' products are exactly the rank keys from this one up.
            bound = VERIFIED_QUALITY * QUALITY_SHIFT
            condition = self.rank >= bound if a["verified"] else self.rank < bound
            self.where.append(condition)
            self.rank_where.append(
                docs.c.rank_key >= bound if a["verified"] else docs.c.rank_key < bound
            )
        if a.get("max_moq") is not None:
            self.where.append(d.moq <= a["max_moq"])
        if a.get("quantity") is not None:
            # The tier that applies at the quantity (joined in source()); a product whose
            # MOQ (its first tier) is above it has none.
            self.where.append(d.moq <= a["quantity"])
        if a.get("max_lead_time_days") is not None:
            self.where.append(d.lead_time_days <= a["max_lead_time_days"])
        if a.get("max_price") is not None:
            self.where.append(self.price <= self._price_value(a["max_price"]))
        for kind, key in (("mat", "material"), ("col", "color"), ("cus", "customization")):
            if a.get(key):
                self._tag(text.tag(kind, a[key]))
        if a.get("certification"):
            self._tag(text.tag("cert", a["certification"]))
        if a.get("size") is not None:
            self._tag(text.size_tag(a["size"]))

    def _tag(self, token: str) -> None:
        if len(token) <= 3:  # the value had no letters or digits: it matches nothing
            self.nothing = True
        self.tags.append(token)

    def _known_words(self) -> set[str]:
        candidates = {t.text for t in self.terms if not t.is_phrase}
        if not candidates:
            return set()
        return set(db.session.scalars(_KNOWN_WORDS, {"words": sorted(candidates)}))

    @property
    def at_quantity(self) -> bool:
        return self.args.get("quantity") is not None

    @property
    def price(self):
        """The unit price that applies at ``quantity`` (the joined tier row), else at the
        MOQ."""
        expr = prices.c.unit_price if self.at_quantity else docs.c.moq_price
        return expr if self.postgresql else sa.cast(expr, sa.Float)

    def _price_value(self, value):
        return Decimal(value) if self.postgresql else float(value)

    @property
    def rank(self):
        """The rank key, as the driving index hands it out (FTS5's rowid on SQLite)."""
        return fts.c.rowid if self.fts_text else docs.c.rank_key

    # Text match ------------------------------------------------------------------------

    def _fts5_words(self, level: int) -> str:
        columns = " ".join(LEVEL_COLUMNS[level])
        return f"({{{columns}}} : ({text.fts5_match(self.terms, self.suggestions, self.exact)}))"

    def fts5_expression(self, level: int | None = None, exact: bool = False) -> str:
        """Every word in the columns of ``level`` (any text column when None); with
        ``exact``, not in those of the level above. And every filter token."""
        parts = []
        if self.terms:
            within = self._fts5_words(LEVELS[-1] if level is None else level)
            if exact and level:
                within = f"({within} NOT {self._fts5_words(level - 1)})"
            parts.append(within)
        if self.tags:
            tokens = "(" + " AND ".join(f'"{t}"' for t in self.tags) + ")"
            # search_fts_tags has one column (and detail=none: no column filters).
            parts.append(f"({{tags}} : {tokens})" if self.terms else tokens)
        return " AND ".join(parts)

    def _tsquery(self):
        expression = text.tsquery(self.terms, self.suggestions, self.exact)
        return sa.func.to_tsquery(
            sa.literal_column("'english'::regconfig"), sa.literal(expression, sa.Text)
        )

    def source(self, *columns, level: int | None = None, exact: bool = False) -> sa.Select:
        """SELECT ``columns`` FROM the matching index rows (words at ``level``, or at any
        level when None; with ``exact`` at that level and not the one above), joined with
        a ``quantity`` to the price tier that applies at it (one ``search_fts_prices`` row,
        whose statistics let the planner start from a selective price)."""
        query = sa.select(*columns).select_from(docs)
        if self.postgresql:
            if self.terms:
                level = LEVELS[-1] if level is None else level
                tsquery = self._tsquery()
                query = query.where(docs.c[LEVEL_DOCUMENTS[level]].op("@@")(tsquery))
                if exact and level:
                    above = docs.c[LEVEL_DOCUMENTS[level - 1]]
                    query = query.where(sa.not_(above.op("@@")(tsquery)))
            if self.tags:
                query = query.where(docs.c.tags.contains(sa.cast(self.tags, docs.c.tags.type)))
        elif self.fts_text:
            query = query.join(fts, fts.c.rowid == docs.c.rank_key).where(
                sa.literal_column("search_fts_text").op("MATCH")(self.fts5_expression(level, exact))
            )
        elif self.fts_tags:
            query = query.join(fts_tags, fts_tags.c.rowid == docs.c.product_id).where(
                sa.literal_column("search_fts_tags").op("MATCH")(self.fts5_expression())
            )
        if self.at_quantity:
            q = self.args["quantity"]
            query = query.join(
                prices,
                sa.and_(
                    prices.c.product_id == docs.c.product_id,
                    prices.c.min_qty <= q,
                    prices.c.max_qty >= q,
                ),
            )
        if self.nothing:
            query = query.where(sa.false())
        return query.where(*self.where)

    @property
    def driving_rowid(self):
        """SQLite: the rowid of the table that drives the search (FTS5 hands its rows out
        in this order), else the product id."""
        if self.fts_text:
            return fts.c.rowid
        if self.fts_tags:
            return fts_tags.c.rowid
        return docs.c.product_id


# Pages ---------------------------------------------------------------------------------


@dataclass
class _Order:
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


def _order(query: _Query, sort: str) -> _Order:
    d = docs.c
    if sort == "relevance":
        return _Order([(query.rank, True)], where=query.rank_where)
    if sort == "price_asc" and query.at_quantity:
        q = query.args["quantity"]
        price = prices.c.unit_price if query.postgresql else sa.cast(prices.c.unit_price, sa.Float)
        return _Order(
            [(price, False), (prices.c.product_id, False)],
            table=prices,
            where=[prices.c.min_qty <= q, prices.c.max_qty >= q],
        )
    if sort == "price_asc":
        return _Order([(query.price, False), (d.product_id, False)])
    if sort == "moq_asc":
        return _Order([(d.moq, False), (d.product_id, False)])
    # FTS5 hands out ``search_fts_tags`` rows by rowid, which is the product id.
    return _Order([(fts_tags.c.rowid if query.fts_tags else d.product_id, True)])


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(errors={"cursor": ["Invalid cursor."]})


def _cursor_values(sort: str, cursor: str, length: int) -> list[Any]:
    values = decode_cursor(cursor, salt=f"search:{sort}", length=length)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _invalid_cursor()
    if sort == "relevance":
        if not all(isinstance(v, int) for v in values) or values[0] not in LEVELS:
            raise _invalid_cursor()
        return values
    out = []
    for value in values[:-1]:
        if isinstance(value, str):  # an exact price (PostgreSQL numeric)
            try:
                value = Decimal(value)
            except InvalidOperation as exc:
                raise _invalid_cursor() from exc
        out.append(value)
    if not isinstance(values[-1], int):
        raise _invalid_cursor()
    return [*out, values[-1]]


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def _unordered(expr):
    """The same order, but one no index hands out (PostgreSQL then finds the matches
    through the GIN indexes and sorts them)."""
    return expr + 0


def _walk(
    query: _Query, order: _Order, page: sa.Select, need: int, after: list | None, small: bool
) -> list[sa.Row]:
    """Up to ``need`` rows of ``page`` in ``order``, after the keyset ``after``.

    SQLite: one statement (FTS5, or the sort's index, stops after the page). PostgreSQL:
    with few matches in all (``small``), find them all and sort them; else walk the sort's
    index for ``WALK_ROWS`` rows at most, and if the page is not full by then (the matches
    are sparse in this order), find the rest past that point through the other indexes
    and sort them. (An ORDER BY that no index hands out: the planner cannot bet on an
    ordered walk meeting enough matches early, a bet a misjudged selectivity turns into
    a walk of a million rows.)"""
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


def _relevance_page(
    query: _Query, limit: int, cursor: list[int] | None, small: bool
) -> list[tuple[int, int, int]]:
    """Up to ``limit`` (product id, level, rank key), best first: level by level."""
    if small and query.postgresql:
        return _relevance_sorted(query, limit, cursor)
    order = _order(query, "relevance")
    rows: list[tuple[int, int, int]] = []
    for level in LEVELS:
        if cursor is not None and level < cursor[0]:
            continue
        after = [cursor[1]] if cursor is not None and level == cursor[0] else None
        page = query.source(
            docs.c.product_id, query.rank.label("rank_key"), level=level, exact=True
        )
        found = _walk(query, order, page, limit - len(rows), after, small)
        rows += [(product_id, level, key) for product_id, key in found]
        if len(rows) >= limit:
            break
    return rows


def _relevance_sorted(
    query: _Query, limit: int, cursor: list[int] | None
) -> list[tuple[int, int, int]]:
    """PostgreSQL, few matches in all: one look-up of every match (each GIN index read
    once, not once a level), each given its level, sorted."""
    tsquery = query._tsquery()
    level = sa.case(
        (docs.c[LEVEL_DOCUMENTS[0]].op("@@")(tsquery), 0),
        (docs.c[LEVEL_DOCUMENTS[1]].op("@@")(tsquery), 1),
        else_=2,
    )
    matches = query.source(
        docs.c.product_id, level.label("level"), docs.c.rank_key.label("rank_key")
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


@dataclass
class _Page:
    """One page of a search: the product ids, best first, and what comes with them."""

    ids: list[int]
    next_cursor: str | None
    total: int
    estimated: bool
    facets: dict[str, dict[str, int]]
    query: _Query

    def result(self, items: list) -> dict[str, Any]:
        return {
            "items": items,
            "next_cursor": self.next_cursor,
            "total": self.total,
            "total_is_estimate": self.estimated,
            "facets": self.facets,
            "spelling": self.query.suggestions or None,
        }


def search_products(args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of results as catalog products (for the pages' templates); each has
    ``search_unit_price``, its price at ``quantity`` (None without one)."""
    page = _search(args)
    items = _load_products(page.ids)
    quantity = args.get("quantity")
    for product in items:
        # A plain attribute, never persisted.
        product.search_unit_price = product.unit_price_at(quantity) if quantity else None
    return page.result(items)


def search_cards(args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of results as the index's stored cards (``SearchItemSchema`` dumps), for
    ``GET /api/v1/products``."""
    page = _search(args)
    return page.result(cards.load(page.ids, args.get("quantity")))


def _search(args: Mapping[str, Any]) -> _Page:
    limit = args.get("limit") or 20
    sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
    query = _Query(args)
    if sort == "relevance" and not query.terms:
        sort = "newest"
    # A forged or stale cursor is a 422 whatever the search finds (even nothing).
    cursor = None
    if args.get("cursor"):
        length = 2 if sort == "relevance" else len(_order(query, sort).keys)
        cursor = _cursor_values(sort, args["cursor"], length)
    if query.nothing:
        return _Page([], None, 0, False, _facet_dict({}, {}, {}), query)
    if query.postgresql:
        # Room for exact bitmaps: with the default 4 MB, ANDing a common word's million
        # matches with a filter goes lossy and rechecks every row of every page.
        db.session.connection().exec_driver_sql(
            "SELECT set_config('work_mem', %(work_mem)s, true)",
            {"work_mem": current_app.config.get("SEARCH_WORK_MEM", "32MB")},
        )

    facets, total, estimated = _facets(query)
    # Nothing matched the words as typed: search the catalog words closest to them (on
    # every page of the search, so that its cursors walk the same results).
    if total == 0 and query.terms and _suggest(query):
        facets, total, estimated = _facets(query)
    if total == 0:
        return _Page([], None, 0, False, facets, query)

    next_cursor = None
    if sort == "relevance":
        rows = _relevance_page(query, limit + 1, cursor, small=total <= _exact_limit())
        if len(rows) > limit:
            _, level, key = rows[limit - 1]
            next_cursor = encode_cursor([level, key], salt="search:relevance")
    else:
        order = _order(query, sort)
        keys = order.keys
        page = query.source(docs.c.product_id, *(expr for expr, _ in keys[:-1]))
        rows = _walk(query, order, page, limit + 1, cursor, small=total <= _exact_limit())
        if len(rows) > limit:
            last = rows[limit - 1]
            values = [_encode_value(v) for v in (*last[1:], last[0])]
            next_cursor = encode_cursor(values, salt=f"search:{sort}")
    return _Page([row[0] for row in rows[:limit]], next_cursor, total, estimated, facets, query)


def _load_products(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    products = db.session.scalars(
        sa.select(Product).where(Product.id.in_(ids)).options(*cards.load_options())
    ).unique()
    by_id = {p.id: p for p in products}
    # The index is the filter; this is the last guard that nothing hidden is ever shown.
    return [by_id[i] for i in ids if i in by_id and by_id[i].is_public]


# Counts -------------------------------------------------------------------------------


def category_counts() -> dict[int, int]:
    """Searchable (published, supplier active) products per category id: the index's own
    category index, never a scan of the products."""
    return dict(
        db.session.execute(
            sa.select(docs.c.category_id, sa.func.count()).group_by(docs.c.category_id)
        ).all()
    )


def _exact_limit() -> int:
    return int(current_app.config.get("SEARCH_EXACT_TOTAL", DEFAULT_EXACT_TOTAL))


def _facet_dict(by_category, by_material, by_verified) -> dict[str, dict[str, int]]:
    return {
        "category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "material": dict(sorted(by_material.items(), key=lambda kv: (-kv[1], kv[0]))),
        "verified": {"true": by_verified.get(True, 0), "false": by_verified.get(False, 0)},
    }


def _facets(query: _Query) -> tuple[dict[str, dict[str, int]], int, bool]:
    """Facet counts and the total (every product has one category: their sum), exact up
    to ``SEARCH_EXACT_TOTAL`` matches, estimated beyond.

    PostgreSQL first counts the matches in a fixed random ``SAMPLE_PERCENT`` of the
    index's pages (``TABLESAMPLE SYSTEM ... REPEATABLE``: the same pages every time, so
    the estimate does not change from one page of results to the next). When that says
    more than ``ESTIMATE_MARGIN`` times the exact limit match, the total is the estimate
    and the facets are the sample's, scaled: a broad search reads a few thousand sampled
    rows, not ten thousand matches. Otherwise the matches are counted through the
    indexes, up to ``COUNT_FACTOR`` times the limit: exactly, or past that an estimate.

    SQLite reads the first ``SEARCH_EXACT_TOTAL + 1`` matches in the driving index's
    order, which its estimate needs."""
    cap = _exact_limit()
    estimate = None
    if query.postgresql:
        counts, found = _count_sample(query)
        estimate = round(found * 100 / SAMPLE_PERCENT)
        if estimate > ESTIMATE_MARGIN * cap:
            return _scaled(counts, found, estimate), estimate, True
    # PostgreSQL: the sample says few, so count them all (up to COUNT_FACTOR times the
    # limit): a LIMIT the planner expects to reach would have it start a scan that stops
    # early (a sequential scan, say), which for a misjudged filter reads the whole table.
    limit = (COUNT_FACTOR if query.postgresql else 1) * cap + 1
    counts, counted, last = _count_matches(query, limit)
    if counted < limit:
        return _facet_dict(*counts), counted, False
    if estimate is None:
        estimate = _sqlite_estimate(query, last, counted)
    estimate = max(estimate, counted)
    return _scaled(counts, counted, estimate), estimate, True


def _count_sample(query: _Query) -> tuple[tuple[dict, dict, dict], int]:
    """PostgreSQL: the facet counts of the matches among the sampled pages, and how many
    there were."""
    sampled = sa.tablesample(
        docs,
        sa.func.system(SAMPLE_PERCENT),
        name="sampled",
        seed=sa.literal_column(str(SAMPLE_SEED)),
    )
    matches = ClauseAdapter(sampled).traverse(
        query.source(
            docs.c.product_id,
            docs.c.category_id,
            docs.c.is_verified,
            sa.cast(sa.null(), sa.BigInteger).label("position"),
        )
    )
    counts, found, _ = _facet_counts(matches.cte("matches"))
    return counts, found


def _count_matches(query: _Query, limit: int) -> tuple[tuple[dict, dict, dict], int, Any]:
    """The facet counts of the first ``limit`` matches (in the driving index's order on
    SQLite), how many there were, and (SQLite) the last one's driving rowid."""
    position = sa.cast(sa.null(), sa.BigInteger) if query.postgresql else query.driving_rowid
    sample = query.source(
        docs.c.product_id, docs.c.category_id, docs.c.is_verified, position.label("position")
    )
    if not query.postgresql:
        sample = sample.order_by(query.driving_rowid)
    return _facet_counts(sample.limit(limit).cte("matches").prefix_with("MATERIALIZED"))


def _facet_counts(sample) -> tuple[tuple[dict, dict, dict], int, Any]:
    """Per category, material and verification, the rows of ``sample`` (a CTE of
    product_id, category_id, is_verified, position); their number; the highest
    position. One statement."""
    verified = sa.case((sample.c.is_verified, "true"), else_="false")
    counts = sa.union_all(
        sa.select(sa.literal(0), Category.slug, sa.func.count())
        .select_from(sample)
        .join(Category, Category.id == sample.c.category_id)
        .group_by(Category.slug),
        sa.select(sa.literal(1), verified, sa.func.count()).group_by(verified),
        # LEFT JOINs: SQLite keeps their order, the matches first, then one primary-key
        # look-up each (as inner joins it may walk all product_materials rows instead).
        sa.select(sa.literal(2), Material.name, sa.func.count())
        .select_from(sample)
        .outerjoin(product_materials, product_materials.c.product_id == sample.c.product_id)
        .outerjoin(Material, Material.id == product_materials.c.material_id)
        .group_by(Material.name),
        sa.select(sa.literal(3), sa.literal("last"), sa.func.max(sample.c.position)),
    )
    by_kind: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
    for kind, key, count in db.session.execute(counts):
        by_kind[kind][key] = count
    by_category, by_verified_text, by_material, last = by_kind
    by_material.pop(None, None)  # matches without materials (the outer join)
    by_verified = {value == "true": count for value, count in by_verified_text.items()}
    return (by_category, by_material, by_verified), sum(by_category.values()), last["last"]


def _scaled(counts, sampled: int, estimate: int) -> dict[str, dict[str, int]]:
    """The facets of a sample of ``sampled`` matches, scaled to ``estimate`` matches."""
    scale = estimate / sampled

    def scaled(values):
        return {k: max(1, round(v * scale)) for k, v in values.items()}

    return _facet_dict(*map(scaled, counts))


def _sqlite_estimate(query: _Query, last_rowid: int, sampled: int) -> int:
    """How many products match, past the exact limit (SQLite)."""
    if not (query.fts_text or query.fts_tags):
        # The sample is the first matches by product id: scale by the share of ids read.
        low, high = db.session.execute(
            sa.select(sa.func.min(docs.c.product_id), sa.func.max(docs.c.product_id))
        ).one()
        return round(sampled * (high - low + 1) / max(1, last_rowid - low + 1))
    # FTS5 counts its own matches fast; filters on other columns pass the share they
    # passed in the sample.
    table = fts if query.fts_text else fts_tags
    match = sa.literal_column(table.name).op("MATCH")(query.fts5_expression())
    everything = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(match))
    read = db.session.scalar(
        sa.select(sa.func.count()).select_from(table).where(match, table.c.rowid <= last_rowid)
    )
    return round(everything * sampled / max(1, read))


def _suggest(query: _Query) -> bool:
    """Fill ``query.suggestions`` with catalog words close to each word of the query
    ("slipers" -> "slippers"); True when there is any."""
    for term in query.terms:
        if term.is_phrase or len(term.text) < 4 or not term.text.isalpha():
            continue
        found = _similar_pg(term.text) if query.postgresql else _similar_sqlite(term.text)
        found = [w for w in found if w != term.text]
        if found:
            query.suggestions[term.text] = found[:MAX_SUGGESTIONS]
    return bool(query.suggestions)


def _similar_pg(word: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.text(
                "SELECT word FROM search_fts_words WHERE word % :word "
                "ORDER BY similarity(word, :word) DESC, word LIMIT :n"
            ),
            {"word": word, "n": MAX_SUGGESTIONS},
        )
    )


def _similar_sqlite(word: str) -> list[str]:
    """Catalog words sharing the first two letters, within a small edit distance."""
    limit = 1 if len(word) <= 5 else 2
    lo = word[:2]
    hi = lo[:-1] + chr(ord(lo[-1]) + 1)
    candidates = db.session.scalars(
        sa.text(
            "SELECT word FROM search_fts_words WHERE word >= :lo AND word < :hi "
            "AND length(word) BETWEEN :shortest AND :longest LIMIT 5000"
        ),
        {"lo": lo, "hi": hi, "shortest": len(word) - limit, "longest": len(word) + limit},
    )
    scored = sorted((text.edit_distance(word, t, limit), t) for t in candidates if t.isalpha())
    scored = [(distance, t) for distance, t in scored if distance <= limit]
    # Only the closest words: "slipers" is "slipper(s)", not also "slides".
    return [t for distance, t in scored if distance == scored[0][0]][:MAX_SUGGESTIONS]

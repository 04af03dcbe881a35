"""Product search: ``GET /api/v1/products``.

Only the search index is queried (``search_fts_docs`` holds visible products only: published,
supplier active), joined with the full-text table on SQLite (FTS5, bm25) or through the
``document`` tsvector on PostgreSQL (GIN, ts_rank). Filters on list values (materials,
colors, sizes, customization, certifications) are tokens in the same index (FTS5 ``tags``
column / PostgreSQL ``text[]`` with GIN), so every filter is an index look-up.

Order: text relevance, then verified suppliers and response rate (``quality``), then id.
Pages are keyset pages with signed cursors. ``total`` and the facets are exact up to
``SEARCH_EXACT_TOTAL`` matches; beyond that PostgreSQL answers with the planner's estimate
(flagged ``total_is_estimate``) and facet counts scaled from the first matches. SQLite has
no estimator and counts exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog.models import Category, Material, PriceTier, Product, product_materials
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.pagination import decode_cursor, encode_cursor
from marketplace.search import text
from marketplace.search.indexer import (  # noqa: F401 - the sync API lives with the search
    rebuild_all,
    reindex_category,
    reindex_products,
    reindex_supplier,
)
from marketplace.search.models import BM25_WEIGHTS, FTS_TEXT_COLUMNS, docs, fts, fts_tags

SORTS = ("relevance", "newest", "price_asc", "moq_asc")
DEFAULT_EXACT_TOTAL = 10_000
MAX_SUGGESTIONS = 3


class _Query:
    """The parts of one search, built once for the page, the counts and the facets."""

    def __init__(self, args: Mapping[str, Any]):
        self.args = args
        self.postgresql = db.session.get_bind().dialect.name == "postgresql"
        self.terms = text.parse_query(args.get("q"))
        self.suggestions: dict[str, list[str]] = {}
        self.where: list[Any] = []
        self.tags: list[str] = []
        self.nothing = False  # a filter that no product can pass (unknown category, ...)
        self.has_text = bool(args.get("q") and args["q"].strip())
        if self.has_text and not self.terms:
            self.nothing = True  # only punctuation, emoji or stop words: nothing to find
        self._filters()

    # Filters ---------------------------------------------------------------------

    def _filters(self) -> None:
        a, d = self.args, docs.c
        if a.get("supplier_id") is not None:
            self.where.append(d.supplier_id == a["supplier_id"])
        if a.get("category"):
            category_id = db.session.scalar(
                sa.select(Category.id).where(Category.slug == a["category"].strip().lower())
            )
            if category_id is None:
                self.nothing = True
            self.where.append(d.category_id == (category_id or 0))
        if a.get("verified") is not None:
            self.where.append(d.is_verified == a["verified"])
        if a.get("max_moq") is not None:
            self.where.append(d.moq <= a["max_moq"])
        if a.get("quantity") is not None:
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

    @property
    def price(self):
        """The unit price that applies at ``quantity`` (else at the MOQ)."""
        if self.args.get("quantity") is None:
            expr = docs.c.moq_price
        else:
            expr = (
                sa.select(PriceTier.unit_price)
                .where(
                    PriceTier.product_id == docs.c.product_id,
                    PriceTier.min_qty <= self.args["quantity"],
                )
                .order_by(PriceTier.min_qty.desc())
                .limit(1)
                .scalar_subquery()
            )
        return expr if self.postgresql else sa.cast(expr, sa.Float)

    def _price_value(self, value):
        return Decimal(value) if self.postgresql else float(value)

    # Text match ------------------------------------------------------------------------

    def _fts5_match(self) -> str:
        columns = " ".join(FTS_TEXT_COLUMNS)
        return f"{{{columns}}} : ({text.fts5_match(self.terms, self.suggestions)})"

    def _fts5_tags(self) -> str:
        return " AND ".join(f'"{t}"' for t in self.tags)

    def _tsquery(self):
        return sa.func.to_tsquery(
            sa.literal_column("'english'::regconfig"),
            sa.literal(text.tsquery(self.terms, self.suggestions), sa.Text),
        )

    def base(self, *columns) -> sa.Select:
        """SELECT ``columns`` FROM the matching index rows."""
        query = sa.select(*columns).select_from(docs)
        if self.postgresql:
            if self.terms:
                query = query.where(docs.c.document.op("@@")(self._tsquery()))
            if self.tags:
                query = query.where(docs.c.tags.contains(sa.cast(self.tags, docs.c.tags.type)))
        else:
            if self.terms:
                query = query.join(fts, fts.c.rowid == docs.c.product_id).where(
                    sa.literal_column("search_fts").op("MATCH")(self._fts5_match())
                )
            if self.tags:
                query = query.join(fts_tags, fts_tags.c.rowid == docs.c.product_id).where(
                    sa.literal_column("search_fts_tags").op("MATCH")(self._fts5_tags())
                )
        if self.nothing:
            query = query.where(sa.false())
        return query.where(*self.where)

    @property
    def score(self):
        """Text relevance, larger is better."""
        if self.postgresql:
            # ts_rank is a float4: as float8 it survives the JSON round trip of a cursor.
            return sa.cast(sa.func.ts_rank(docs.c.document, self._tsquery()), sa.Float)
        return -sa.func.bm25(sa.literal_column("search_fts"), *BM25_WEIGHTS)


def _sort_keys(query: _Query, sort: str) -> list[tuple[Any, bool]]:
    """(expression, descending) pairs; the last is always the product id."""
    d = docs.c
    if sort == "relevance" and query.terms:
        return [(query.score, True), (d.quality, True), (d.product_id, True)]
    if sort == "price_asc":
        return [(query.price, False), (d.product_id, False)]
    if sort == "moq_asc":
        return [(d.moq, False), (d.product_id, False)]
    return [(d.product_id, True)]


def _after(keys: list[tuple[Any, bool]], values: list[Any]):
    """Rows strictly after ``values`` in the order of ``keys`` (keyset pagination)."""
    condition = None
    for (expr, descending), value in reversed(list(zip(keys, values, strict=True))):
        beyond = expr < value if descending else expr > value
        condition = (
            beyond if condition is None else sa.or_(beyond, sa.and_(expr == value, condition))
        )
    return condition


def _cursor_values(query: _Query, sort: str, cursor: str, length: int) -> list[Any]:
    values = decode_cursor(cursor, salt=f"search:{sort}", length=length)
    out = []
    for value in values[:-1]:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
        if isinstance(value, str):  # an exact price (PostgreSQL numeric)
            try:
                value = Decimal(value)
            except InvalidOperation as exc:
                raise ValidationFailed(errors={"cursor": ["Invalid cursor."]}) from exc
        out.append(value)
    last = values[-1]
    if isinstance(last, bool) or not isinstance(last, int):
        raise ValidationFailed(errors={"cursor": ["Invalid cursor."]})
    return [*out, last]


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def search_products(args: Mapping[str, Any]) -> dict[str, Any]:
    limit = args.get("limit") or 20
    sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
    query = _Query(args)
    if sort == "relevance" and not query.terms:
        sort = "newest"
    keys = _sort_keys(query, sort)

    facets, total, estimated = _facets(query)
    # Nothing matched the words as typed: search the catalog words closest to them (on
    # every page of the search, so that its cursors walk the same results).
    retry = total == 0 and query.terms and not query.nothing
    if retry and _suggest(query):
        facets, total, estimated = _facets(query)
        keys = _sort_keys(query, sort)

    page_query = query.base(docs.c.product_id, *(expr for expr, _ in keys[:-1]))
    if args.get("cursor"):
        values = _cursor_values(query, sort, args["cursor"], len(keys))
        page_query = page_query.where(_after(keys, values))
    page_query = page_query.order_by(
        *(expr.desc() if descending else expr.asc() for expr, descending in keys)
    ).limit(limit + 1)
    rows = db.session.execute(page_query).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        values = [_encode_value(v) for v in (*last[1:], last[0])]
        next_cursor = encode_cursor(values, salt=f"search:{sort}")
    items = _load_products([row[0] for row in rows[:limit]])
    quantity = args.get("quantity")
    for product in items:
        # Read by SearchItemSchema; a plain attribute, never persisted.
        product.search_unit_price = product.unit_price_at(quantity) if quantity else None
    return {
        "items": items,
        "next_cursor": next_cursor,
        "total": total,
        "total_is_estimate": estimated,
        "facets": facets,
        "spelling": query.suggestions or None,
    }


def _load_products(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.id.in_(ids))
        .options(
            joinedload(Product.supplier),
            selectinload(Product.materials),
            selectinload(Product.price_tiers),
            selectinload(Product.images),
        )
    ).unique()
    by_id = {p.id: p for p in products}
    # The index is the filter; this is the last guard that nothing hidden is ever shown.
    return [by_id[i] for i in ids if i in by_id and by_id[i].is_public]


def _exact_limit() -> int:
    return int(current_app.config.get("SEARCH_EXACT_TOTAL", DEFAULT_EXACT_TOTAL))


def _facets(query: _Query) -> tuple[dict[str, dict[str, int]], int, bool]:
    """Facet counts and the total (every product has one category: their sum)."""
    cap = _exact_limit()
    matches = query.base(docs.c.product_id, docs.c.category_id, docs.c.is_verified)
    if query.postgresql:
        matches = matches.limit(cap + 1)
    sample = matches.subquery("matches")
    by_category = dict(
        db.session.execute(
            sa.select(Category.slug, sa.func.count())
            .select_from(sample)
            .join(Category, Category.id == sample.c.category_id)
            .group_by(Category.slug)
        ).all()
    )
    by_verified = dict(
        db.session.execute(
            sa.select(sample.c.is_verified, sa.func.count()).group_by(sample.c.is_verified)
        ).all()
    )
    by_material = dict(
        db.session.execute(
            sa.select(Material.name, sa.func.count())
            .select_from(sample)
            .join(product_materials, product_materials.c.product_id == sample.c.product_id)
            .join(Material, Material.id == product_materials.c.material_id)
            .group_by(Material.name)
        ).all()
    )
    total = sum(by_category.values())
    estimated = query.postgresql and total > cap
    if estimated:
        planned = _planner_estimate(query.base(docs.c.product_id))
        estimate = max(planned, total)
        scale = estimate / total
        total = estimate

        def scaled(counts):
            return {k: max(1, round(v * scale)) for k, v in counts.items()}

        by_category, by_verified, by_material = map(scaled, (by_category, by_verified, by_material))
    facets = {
        "category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "material": dict(sorted(by_material.items(), key=lambda kv: (-kv[1], kv[0]))),
        "verified": {
            "true": by_verified.get(True, 0),
            "false": by_verified.get(False, 0),
        },
    }
    return facets, total, estimated


def _planner_estimate(select: sa.Select) -> int:
    """PostgreSQL's row estimate for a query, without running it."""
    conn = db.session.connection()
    compiled = select.compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params
    ).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# Spelling -----------------------------------------------------------------------------


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
    """Index terms sharing the first two letters, within a small edit distance."""
    limit = 1 if len(word) <= 5 else 2
    lo = word[:2]
    hi = lo[:-1] + chr(ord(lo[-1]) + 1)
    candidates = db.session.scalars(
        sa.text(
            "SELECT term FROM search_fts_vocab WHERE term >= :lo AND term < :hi "
            "ORDER BY doc DESC LIMIT 5000"
        ),
        {"lo": lo, "hi": hi},
    )
    scored = sorted((text.edit_distance(word, t, limit), t) for t in candidates if t.isalpha())
    return [t for distance, t in scored if distance <= limit][:MAX_SUGGESTIONS]

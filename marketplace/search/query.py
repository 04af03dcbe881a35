"""One search's parts (its words, filters and the index rows they match), built once
for the page, the counts and the facets of ``GET /api/v1/products``.

Filters on list values (materials, colors, sizes, customization, certifications; on
SQLite also category and supplier) are tokens in the same index as the words
(PostgreSQL ``text[]`` with GIN; FTS5 columns), the price at a quantity is one row of
``search_fts_prices``, and "verified" is a range of the rank key.

A query word the catalog has ("slippers") is matched as that word (stemmed); any other
("slipp") as a prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.search import text
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

LEVELS = range(len(LEVEL_COLUMNS))


def as_float(expr):
    """SQLite: a price column as Python floats, in SQL still the bare column (a CAST
    would keep its index from ordering and bounding the rows: every price-sorted page
    would sort all its matches)."""
    return sa.type_coerce(expr, sa.Float)


_KNOWN_WORDS = sa.select(words.c.word).where(
    words.c.word.in_(sa.bindparam("words", expanding=True))
)


class SearchQuery:
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
            if self.postgresql:
                # The same rows, as the filter index knows them (the rank key's range
                # bounds a walk of the rank-key index; this, a GIN look-up).
                self.where.append(docs.c.is_verified == bool(a["verified"]))
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
        return expr if self.postgresql else as_float(expr)

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

    def tsquery(self):
        expression = text.tsquery(self.terms, self.suggestions, self.exact)
        return sa.func.to_tsquery(
            sa.literal_column("'english'::regconfig"), sa.literal(expression, sa.Text)
        )

    def level(self):
        """PostgreSQL: the relevance level of a matching row (0: every word in the name;
        1: in name, category or materials; 2: anywhere)."""
        tsquery = self.tsquery()
        return sa.case(
            (docs.c[LEVEL_DOCUMENTS[0]].op("@@")(tsquery), 0),
            (docs.c[LEVEL_DOCUMENTS[1]].op("@@")(tsquery), 1),
            else_=2,
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
                tsquery = self.tsquery()
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

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
from typing import Any

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search import text
from marketplace.search.backends import backend_for
from marketplace.search.models import QUALITY_SHIFT, VERIFIED_QUALITY, docs, prices, words

_KNOWN_WORDS = sa.select(words.c.word).where(
    words.c.word.in_(sa.bindparam("words", expanding=True))
)


class SearchQuery:
    """The parts of one search, built once for the page, the counts and the facets."""

    def __init__(self, args: Mapping[str, Any]):
        self.args = args
        self.backend = backend_for(db.session)
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
        self._filters()
        if self.terms and not self.nothing:
            self.exact = self._known_words()

    # Filters ---------------------------------------------------------------------

    def _filters(self) -> None:
        a, d = self.args, docs.c
        if a.get("supplier_id") is not None:
            self.backend.filter_supplier(self, a["supplier_id"])
        if a.get("category"):
            self.backend.filter_category(self, a["category"])
        if a.get("verified") is not None:
            # Verified suppliers' products are exactly the rank keys from this one up.
            bound = VERIFIED_QUALITY * QUALITY_SHIFT
            condition = self.rank >= bound if a["verified"] else self.rank < bound
            self.where.append(condition)
            self.where += self.backend.verified_conditions(bool(a["verified"]))
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
                self.add_token(text.tag(kind, a[key]))
        if a.get("certification"):
            self.add_token(text.tag("cert", a["certification"]))
        if a.get("size") is not None:
            self.add_token(text.size_tag(a["size"]))

    def add_token(self, token: str) -> None:
        """Require a filter token (``text.tag``) of every match."""
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
        return self.backend.price(expr)

    def _price_value(self, value):
        return self.backend.price_value(value)

    @property
    def rank(self):
        """The rank key, as the driving index hands it out."""
        return self.backend.rank(self)

    # The matching rows ------------------------------------------------------------------

    def source(self, *columns, level: int | None = None, exact: bool = False) -> sa.Select:
        """SELECT ``columns`` FROM the matching index rows (words at ``level``, or at any
        level when None; with ``exact`` at that level and not the one above), joined with
        a ``quantity`` to the price tier that applies at it (one ``search_fts_prices`` row,
        whose statistics let the planner start from a selective price)."""
        query = self.backend.match(self, sa.select(*columns).select_from(docs), level, exact)
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

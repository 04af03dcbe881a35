"""Search on SQLite: FTS5 tables drive every search that has words or filter tokens.

``search_fts_text``'s rowid is the rank key, so FTS5 hands out a search's matches in rank
order and stops after the page; ``search_fts_tags``' rowid is the product id (filters
without words, newest first). The category and the supplier are filter tokens there too:
FTS5 finds them with the words, in rank order, where a join would look up every match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from marketplace.catalog.models import Material, product_materials
from marketplace.extensions import db
from marketplace.search import counting, text
from marketplace.search.backends.base import DOC_COLUMNS, SearchBackend
from marketplace.search.models import (
    LEVEL_COLUMNS,
    LEVELS,
    cards,
    docs,
    fts,
    fts_tags,
    prices,
    supplier_fts,
    words,
)
from marketplace.suppliers.models import Supplier

if TYPE_CHECKING:
    from marketplace.search.paging import Order
    from marketplace.search.query import SearchQuery

# Directory relevance: FTS5's bm25 with the columns' weights (name, place, description).
BM25_WEIGHTS = (10.0, 4.0, 1.0)
_FTS_TEXT_COLUMNS = ("name", "category", "materials", "description", "supplier", "tags")


def as_float(expr):
    """A price column as Python floats, in SQL still the bare column (a CAST would keep
    its index from ordering and bounding the rows: every price-sorted page would sort all
    its matches)."""
    return sa.type_coerce(expr, sa.Float)


def _driver(query: SearchQuery) -> sa.Table | None:
    """The FTS5 table that drives ``query``: the text with words, the filter tokens
    without; None when it has neither (the docs table's own indexes drive)."""
    if query.terms:
        return fts
    if query.tags:
        return fts_tags
    return None


def _words(query: SearchQuery, level: int) -> str:
    columns = " ".join(LEVEL_COLUMNS[level])
    return f"({{{columns}}} : ({text.fts5_match(query.terms, query.suggestions, query.exact)}))"


def fts5_expression(query: SearchQuery, level: int | None = None, exact: bool = False) -> str:
    """Every word in the columns of ``level`` (any text column when None); with
    ``exact``, not in those of the level above. And every filter token."""
    parts = []
    if query.terms:
        within = _words(query, LEVELS[-1] if level is None else level)
        if exact and level:
            within = f"({within} NOT {_words(query, level - 1)})"
        parts.append(within)
    if query.tags:
        tokens = "(" + " AND ".join(f'"{t}"' for t in query.tags) + ")"
        # search_fts_tags has one column (and detail=none: no column filters).
        parts.append(f"({{tags}} : {tokens})" if query.terms else tokens)
    return " AND ".join(parts)


def _matches(table: sa.Table, expression: str):
    return sa.literal_column(table.name).op("MATCH")(expression)


class SQLiteBackend(SearchBackend):
    dialect = "sqlite"

    # Index writes ------------------------------------------------------------------

    def empty_index(self, conn: Connection) -> list[str]:
        for table in (fts, fts_tags, prices, cards, docs, words, supplier_fts):
            conn.execute(table.delete())
        return []

    def delete_products(self, conn: Connection, ids: list[int]) -> None:
        keys = list(conn.scalars(sa.select(docs.c.rank_key).where(docs.c.product_id.in_(ids))))
        if keys:
            conn.execute(fts.delete().where(fts.c.rowid.in_(keys)))
        conn.execute(fts_tags.delete().where(fts_tags.c.rowid.in_(ids)))
        super().delete_products(conn, ids)

    def insert_products(self, conn, documents, price_rows, card_rows) -> None:
        self.insert_prices_and_cards(conn, price_rows, card_rows)
        conn.execute(sa.insert(docs), [{k: d[k] for k in DOC_COLUMNS} for d in documents])
        # The category and the supplier are filter tokens too (see the module's doc).
        for d in documents:
            d["tags"] = " ".join([*d["tags"], d.pop("category_tag"), f"sup{d['supplier_id']}"])
        conn.execute(
            sa.insert(fts),
            [{"rowid": d["rank_key"], **{k: d[k] for k in _FTS_TEXT_COLUMNS}} for d in documents],
        )
        conn.execute(
            sa.insert(fts_tags), [{"rowid": d["product_id"], "tags": d["tags"]} for d in documents]
        )

    def delete_supplier_words(self, conn: Connection, supplier_ids: list[int]) -> None:
        conn.execute(supplier_fts.delete().where(supplier_fts.c.rowid.in_(supplier_ids)))

    def insert_supplier_words(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(sa.insert(supplier_fts), [{**r, "rowid": r.pop("id")} for r in rows])

    def _insert_new_words(self) -> sa.Insert:
        return sa.insert(words).prefix_with("OR IGNORE")

    # A search's parts ------------------------------------------------------------------

    def filter_supplier(self, query: SearchQuery, supplier_id: int) -> None:
        query.add_token(f"sup{supplier_id}")

    def filter_category(self, query: SearchQuery, slug: str) -> None:
        query.add_token(text.tag("cat", slug))

    def price(self, expr):
        return as_float(expr)

    def price_value(self, value) -> Any:
        return float(value)

    def rank(self, query: SearchQuery):
        """With words, FTS5's rowid (the rank key, in the order FTS5 hands it out)."""
        return fts.c.rowid if _driver(query) is fts else docs.c.rank_key

    def newest_key(self, query: SearchQuery):
        """Filter tokens without words: FTS5 hands out ``search_fts_tags`` rows by rowid,
        which is the product id."""
        return fts_tags.c.rowid if _driver(query) is fts_tags else docs.c.product_id

    def match(
        self, query: SearchQuery, select: sa.Select, level: int | None, exact: bool
    ) -> sa.Select:
        driver = _driver(query)
        if driver is fts:
            return select.join(fts, fts.c.rowid == docs.c.rank_key).where(
                _matches(fts, fts5_expression(query, level, exact))
            )
        if driver is fts_tags:
            return select.join(fts_tags, fts_tags.c.rowid == docs.c.product_id).where(
                _matches(fts_tags, fts5_expression(query))
            )
        return select

    # Counting ------------------------------------------------------------------------

    def prepare_counting(self) -> None:
        """Nothing to tune: SQLite plans each statement from its FTS5 tables."""

    def finish_counting(self) -> None:
        """Nothing was set."""

    def _driving_rowid(self, query: SearchQuery):
        """The rowid of the table that drives the search (FTS5 hands its rows out in this
        order), else the product id."""
        driver = _driver(query)
        return driver.c.rowid if driver is not None else docs.c.product_id

    def counted_matches(self, query: SearchQuery, columns: list[Any]) -> sa.Select:
        """The first matches in the driving index's order, which the estimate needs."""
        rowid = self._driving_rowid(query)
        return query.source(*columns, rowid.label("position")).order_by(rowid)

    def facet_parts(self, matches, no_key: list[Any]) -> list[sa.Select]:
        # LEFT JOINs: SQLite keeps their order, the matches first, then one primary-key
        # look-up each (as inner joins it may walk all product_materials rows instead).
        return [
            sa.select(sa.literal(counting.MATERIAL), Material.name, sa.func.count(), *no_key)
            .select_from(matches)
            .outerjoin(product_materials, product_materials.c.product_id == matches.c.product_id)
            .outerjoin(Material, Material.id == product_materials.c.material_id)
            .group_by(Material.name),
            sa.select(
                sa.literal(counting.LAST),
                sa.cast(sa.null(), sa.String),
                sa.func.max(matches.c.position),
                *no_key,
            ),
        ]

    def estimate_total(self, query: SearchQuery, last_position: Any, counted: int) -> int:
        driver = _driver(query)
        if driver is None:
            # The sample is the first matches by product id: scale by the share of ids
            # read. Two subqueries: SQLite answers a lone min() or max() from the index's
            # end, but scans the whole table for both in one SELECT.
            low, high = db.session.execute(
                sa.select(
                    sa.select(sa.func.min(docs.c.product_id)).scalar_subquery(),
                    sa.select(sa.func.max(docs.c.product_id)).scalar_subquery(),
                )
            ).one()
            return round(counted * (high - low + 1) / max(1, last_position - low + 1))
        # FTS5 counts its own matches fast; filters on other columns pass the share they
        # passed in the sample.
        match = _matches(driver, fts5_expression(query))
        everything = db.session.execute(
            sa.select(sa.func.count()).select_from(driver).where(match)
        ).scalar_one()
        read = db.session.execute(
            sa.select(sa.func.count())
            .select_from(driver)
            .where(match, driver.c.rowid <= last_position)
        ).scalar_one()
        return round(everything * counted / max(1, read))

    # Pages ---------------------------------------------------------------------------

    def walk(
        self, order: Order, page: sa.Select, need: int, after: list | None, small: bool
    ) -> list[sa.Row]:
        """One statement: FTS5, or the sort's index, stops after the page."""
        return list(db.session.execute(page.order_by(*order.order_by()).limit(need)).all())

    # Suggestions and the supplier directory -------------------------------------------

    def similar_words(self, word: str, limit: int) -> list[str]:
        """Catalog words sharing the first two letters, within a small edit distance."""
        distance_limit = 1 if len(word) <= 5 else 2
        lo = word[:2]
        hi = lo[:-1] + chr(ord(lo[-1]) + 1)
        candidates = db.session.scalars(
            sa.text(
                "SELECT word FROM search_fts_words WHERE word >= :lo AND word < :hi "
                "AND length(word) BETWEEN :shortest AND :longest LIMIT 5000"
            ),
            {
                "lo": lo,
                "hi": hi,
                "shortest": len(word) - distance_limit,
                "longest": len(word) + distance_limit,
            },
        )
        scored = sorted(
            (text.edit_distance(word, t, distance_limit), t) for t in candidates if t.isalpha()
        )
        scored = [(distance, t) for distance, t in scored if distance <= distance_limit]
        # Only the closest words: "slipers" is "slipper(s)", not also "slides".
        return [t for distance, t in scored if distance == scored[0][0]][:limit]

    def directory_match(self, select: sa.Select, terms: list) -> sa.Select:
        return select.join(supplier_fts, supplier_fts.c.rowid == Supplier.id).where(
            _matches(supplier_fts, text.fts5_match(terms))
        )

    def directory_score(self, terms: list):
        return sa.cast(-sa.func.bm25(sa.literal_column(supplier_fts.name), *BM25_WEIGHTS), sa.Float)

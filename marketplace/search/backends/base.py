"""What search asks of a database: the operations whose SQL differs between PostgreSQL
(tsvector + GIN, COPY, TABLESAMPLE, trigrams) and SQLite (FTS5).

Everything else (parsing a query, the filters on plain columns, keyset pages, facets,
cards) is written once in ``marketplace.search`` and calls a backend for these. A backend
holds no state: one instance per dialect serves every connection (``backend_for``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from marketplace.search import paging
from marketplace.search.models import cards, docs, prices

if TYPE_CHECKING:
    from marketplace.search.counting import PageRequest
    from marketplace.search.paging import Order
    from marketplace.search.query import SearchQuery

# The text columns of search_fts_docs (PostgreSQL only); the others every database fills.
TEXT_COLUMNS = ("doc_name", "doc_core", "document", "tags")
DOC_COLUMNS = [c.name for c in docs.c if c.name not in TEXT_COLUMNS]
PRICE_COLUMNS = ("product_id", "min_qty", "max_qty", "unit_price")
WORDS_PER_STATEMENT = 5000


class SearchBackend(ABC):
    """The database-specific half of search, for one SQLAlchemy dialect."""

    #: The SQLAlchemy dialect name this backend serves.
    dialect: str

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.dialect}>"

    # Index writes ------------------------------------------------------------------

    @abstractmethod
    def empty_index(self, conn: Connection) -> list[str]:
        """Remove every index row (a full rebuild follows); returns the statements that
        ``finish_rebuild`` runs to make again what emptying dropped."""

    def finish_rebuild(self, conn: Connection, statements: list[str]) -> None:
        """After a full rebuild: run what ``empty_index`` handed back."""
        for statement in statements:
            conn.exec_driver_sql(statement)

    def delete_products(self, conn: Connection, ids: list[int]) -> None:
        """Remove the index rows of these products (a reindex writes them again)."""
        conn.execute(prices.delete().where(prices.c.product_id.in_(ids)))
        conn.execute(cards.delete().where(cards.c.product_id.in_(ids)))
        conn.execute(docs.delete().where(docs.c.product_id.in_(ids)))

    @abstractmethod
    def insert_products(
        self,
        conn: Connection,
        documents: list[dict[str, Any]],
        price_rows: list[tuple[int, int, int, Decimal]],
        card_rows: list[tuple[int, str]],
    ) -> None:
        """Write the index rows of these products: their documents (``indexer._add``'s
        dicts: the docs columns, the text of each part, the filter ``tags``,
        ``category_tag``), price tiers and result cards."""

    def insert_prices_and_cards(
        self,
        conn: Connection,
        price_rows: list[tuple[int, int, int, Decimal]],
        card_rows: list[tuple[int, str]],
    ) -> None:
        conn.execute(
            sa.insert(prices), [dict(zip(PRICE_COLUMNS, r, strict=True)) for r in price_rows]
        )
        conn.execute(sa.insert(cards), [{"product_id": i, "card": c} for i, c in card_rows])

    @abstractmethod
    def delete_supplier_words(self, conn: Connection, supplier_ids: list[int]) -> None:
        """Remove the directory words of these suppliers."""

    @abstractmethod
    def insert_supplier_words(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Write directory words: each row ``id``, ``name``, ``place``, ``description``
        (index text)."""

    @abstractmethod
    def _insert_new_words(self) -> sa.Insert:
        """An INSERT into ``search_fts_words`` that skips words already there."""

    def insert_words(self, conn: Connection, ordered: Iterable[str]) -> None:
        """Add these catalog words (sorted) for spelling suggestions."""
        insert = self._insert_new_words()
        ordered = list(ordered)
        for start in range(0, len(ordered), WORDS_PER_STATEMENT):
            chunk = ordered[start : start + WORDS_PER_STATEMENT]
            conn.execute(insert, [{"word": w} for w in chunk])

    # A search's parts ------------------------------------------------------------------

    @abstractmethod
    def filter_supplier(self, query: SearchQuery, supplier_id: int) -> None:
        """Restrict ``query`` to one supplier's products."""

    @abstractmethod
    def filter_category(self, query: SearchQuery, slug: str) -> None:
        """Restrict ``query`` to a category (by slug; an unknown one matches nothing)."""

    def verified_conditions(self, verified: bool) -> list[Any]:
        """Conditions on ``docs`` beyond the rank-key range that "verified" already is."""
        return []

    def price(self, expr):
        """A price column as this database compares and sorts it."""
        return expr

    def price_value(self, value) -> Any:
        """A price bound as this database compares it with ``price``."""
        return Decimal(value)

    @abstractmethod
    def rank(self, query: SearchQuery):
        """The rank key, as the index that drives ``query`` hands it out."""

    def newest_key(self, query: SearchQuery):
        """The key of "newest first": the product id, as the driving index has it."""
        return docs.c.product_id

    @abstractmethod
    def match(
        self, query: SearchQuery, select: sa.Select, level: int | None, exact: bool
    ) -> sa.Select:
        """``select`` (FROM ``docs``) restricted to the rows holding the query's words at
        ``level`` (any level when None; with ``exact``, not at the level above) and
        every filter token."""

    # Counting ------------------------------------------------------------------------

    @abstractmethod
    def prepare_counting(self) -> None:
        """Before a search's counts (per-transaction settings)."""

    @abstractmethod
    def finish_counting(self) -> None:
        """After a search's counts, before its page."""

    def page_with_counts(
        self, query: SearchQuery, sort: str, cursor: list[Any] | None, need: int
    ) -> PageRequest | None:
        """The page to find in the same statement as the counts, or None where the
        page is read on its own."""
        return None

    def sampled(
        self, query: SearchQuery, columns: list[Any], percent: float, seed: int
    ) -> sa.Select | None:
        """``query.source(*columns)`` over a fixed sample of ``percent`` % of the index,
        where the database draws one cheaply; else None (the estimate then comes from
        the first matches: ``estimate_total``)."""
        return None

    def facet_columns(self) -> list[Any]:
        """What the facet statements read of each match, beyond its id, category and
        verification."""
        return []

    @abstractmethod
    def counted_matches(self, query: SearchQuery, columns: list[Any]) -> sa.Select:
        """The matches to count, in the order the count's limit cuts them."""

    @abstractmethod
    def facet_parts(self, matches, no_key: list[Any]) -> list[sa.Select]:
        """The material facet's parts of the counting statement over ``matches`` (a CTE),
        and any row the estimate needs, in ``counting``'s row shape (``no_key``: the
        statement's empty key columns)."""

    def material_counts(self, by_material: dict, names: dict) -> dict[str, int]:
        """The material facet by name, from the rows of ``facet_parts``."""
        return by_material

    @abstractmethod
    def estimate_total(self, query: SearchQuery, last_position: Any, counted: int) -> int:
        """How many products match, when the first ``counted`` matches (up to the one at
        ``last_position``) passed the exact limit and there is no sample."""

    # Pages ---------------------------------------------------------------------------

    @abstractmethod
    def walk(
        self, order: Order, page: sa.Select, need: int, after: list | None, small: bool
    ) -> list[sa.Row]:
        """Up to ``need`` rows of ``page`` (already past ``after``) in ``order``."""

    def relevance_page(
        self, query: SearchQuery, limit: int, cursor: list[int] | None, small: bool
    ) -> list[tuple[int, int, int]]:
        """Up to ``limit`` (product id, level, rank key), best first."""
        return paging.relevance_by_level(query, limit, cursor, small)

    # Suggestions and the supplier directory -------------------------------------------

    @abstractmethod
    def similar_words(self, word: str, limit: int) -> list[str]:
        """Catalog words close to ``word`` (a misspelling), closest first."""

    @abstractmethod
    def directory_match(self, select: sa.Select, terms: list) -> sa.Select:
        """``select`` (of suppliers) restricted to those whose directory words hold every
        term."""

    @abstractmethod
    def directory_score(self, terms: list):
        """How well a supplier's directory words match ``terms``: larger is better, a
        float8 (it travels in cursors)."""

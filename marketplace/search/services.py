"""Product search: ``GET /api/v1/products`` and the public search pages.

Only the search index is queried: ``search_fts_docs`` holds visible products only
(published, supplier active), matched through its tsvectors on PostgreSQL (GIN) or the
FTS5 table ``search_fts_text`` on SQLite. How a search is built: ``query.py``; its page
and cursors: ``paging.py``; its total and facets (exact up to ``SEARCH_EXACT_TOTAL``):
``counting.py``; every statement whose SQL differs between the two databases: the
search backend (``backends/``). Words the catalog lacks ("slipers") are searched as the
catalog words closest to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from marketplace.catalog import services as catalog
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.pagination import encode_cursor
from marketplace.search import cards, counting, paging
from marketplace.search.indexer import (  # noqa: F401 - the sync API lives with the search
    rebuild_all,
    reindex_category,
    reindex_products,
    reindex_supplier,
)
from marketplace.search.models import docs
from marketplace.search.query import SearchQuery

MAX_SUGGESTIONS = 3


@dataclass
class _Page:
    """One page of a search: the product ids, best first, and what comes with them."""

    ids: list[int]
    next_cursor: str | None
    total: int
    estimated: bool
    facets: dict[str, dict[str, int]]
    query: SearchQuery

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
        product.search_unit_price = (  # type: ignore[attr-defined]
            product.unit_price_at(quantity) if quantity else None
        )
    return page.result(items)


def search_cards(args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of results as the index's stored cards (``SearchItemSchema`` dumps), for
    ``GET /api/v1/products``."""
    page = _search(args)
    return page.result(cards.load(page.ids, args.get("quantity")))


def _search(args: Mapping[str, Any]) -> _Page:
    limit = args.get("limit") or 20
    sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
    query = SearchQuery(args)
    if sort == "relevance" and not query.terms:
        sort = "newest"
    # A forged or stale cursor is a 422 whatever the search finds (even nothing).
    cursor = None
    if args.get("cursor"):
        length = 2 if sort == "relevance" else len(paging.order_for(query, sort).keys)
        cursor = paging.cursor_values(sort, args["cursor"], length)
    if query.nothing:
        return _Page([], None, 0, False, counting.facet_dict({}, {}, {}), query)
    backend = query.backend
    backend.prepare_counting()
    # Where the counts read every match, the page comes with them.
    counts = counting.count(query, backend.page_with_counts(query, sort, cursor, limit + 1))
    # Nothing matched the words as typed: search the catalog words closest to them (on
    # every page of the search, so that its cursors walk the same results).
    if counts.total == 0 and query.terms and _suggest(query):
        counts = counting.count(query, backend.page_with_counts(query, sort, cursor, limit + 1))
    backend.finish_counting()
    if counts.total == 0:
        return _Page([], None, 0, False, counts.facets, query)

    # Each row: the product id, then its sort keys (the cursor's values).
    rows = counts.page
    small = counts.total <= counting.exact_limit()
    if rows is None and sort == "relevance":
        rows = backend.relevance_page(query, limit + 1, cursor, small=small)
    elif rows is None:
        order = paging.order_for(query, sort)
        page = query.source(docs.c.product_id, *(expr for expr, _ in order.keys[:-1]))
        found = paging.walk(query, order, page, limit + 1, cursor, small=small)
        rows = [(row[0], *row[1:], row[0]) for row in found]
    next_cursor = None
    if len(rows) > limit:
        values = [paging.encode_value(v) for v in rows[limit - 1][1:]]
        next_cursor = encode_cursor(values, salt=f"search:{sort}")
    ids = [row[0] for row in rows[:limit]]
    return _Page(ids, next_cursor, counts.total, counts.estimated, counts.facets, query)


def _load_products(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    products = db.session.scalars(
        sa.select(Product).where(Product.id.in_(ids)).options(*cards.load_options())
    ).unique()
    by_id = {p.id: p for p in products}
    # The index is the filter; this is the last guard that nothing hidden is ever shown.
    return [by_id[i] for i in ids if i in by_id and by_id[i].is_public]


def category_counts() -> dict[int, int]:
    """Searchable (published, supplier active) products per category id: the index's own
    category index, never a scan of the products."""
    return dict(
        db.session.execute(
            sa.select(docs.c.category_id, sa.func.count()).group_by(docs.c.category_id)
        )
        .tuples()
        .all()
    )


def list_categories() -> list[dict[str, Any]]:
    """Active categories in display order, each with the number of products buyers can see
    in it (``GET /api/v1/categories``, the home page)."""
    return catalog.list_categories(category_counts())


def _suggest(query: SearchQuery) -> bool:
    """Fill ``query.suggestions`` with catalog words close to each word of the query
    ("slipers" -> "slippers"); True when there is any."""
    for term in query.terms:
        if term.is_phrase or len(term.text) < 4 or not term.text.isalpha():
            continue
        similar = query.backend.similar_words(term.text, MAX_SUGGESTIONS)
        found = [w for w in similar if w != term.text]
        if found:
            query.suggestions[term.text] = found[:MAX_SUGGESTIONS]
    return bool(query.suggestions)

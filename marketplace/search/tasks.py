"""Reindexing every product of a supplier or a category, after the change commits."""

from __future__ import annotations

from marketplace import jobs
from marketplace.search import indexer


@jobs.task("search.reindex_supplier")
def reindex_supplier(supplier_id: int) -> int:
    return indexer.reindex_supplier(supplier_id)


@jobs.task("search.reindex_category")
def reindex_category(category_id: int) -> int:
    return indexer.reindex_category(category_id)

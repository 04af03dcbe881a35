"""``GET /api/v1/products``: catalog search with filters, facets and keyset pages; the
supplier directory (``GET /api/v1/suppliers``) and ``GET /api/v1/categories`` with the
number of visible products in each (both read the search index)."""

from __future__ import annotations

import click

from marketplace import transaction
from marketplace.api_base import Blueprint
from marketplace.catalog.schemas import CategorySchema
from marketplace.database import reads_from_replica
from marketplace.search import directory, indexer, services
from marketplace.search.schemas import SearchArgs, SearchResultSchema
from marketplace.suppliers.schemas import SupplierListArgs, SupplierListSchema

blp = Blueprint("search", __name__, url_prefix="", description="Catalog search")


@blp.route("/products", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchResultSchema)
@blp.errors(400, 422)
@reads_from_replica
def search_products(args):
    """Search published products of active suppliers.

    Ranked by text relevance, then verified suppliers and response rate; `facets` count
    the matches per category, material and verification. `total` is exact up to 10,000
    matches, an estimate beyond (`total_is_estimate`)."""
    return services.search_cards(args)


@blp.route("/suppliers", methods=["GET"], tags=["suppliers"])
@blp.arguments(SupplierListArgs, location="query")
@blp.response(200, SupplierListSchema)
@blp.errors(400, 422)
def list_suppliers(args):
    """The supplier directory: active companies, by relevance with q, else newest first
    (or sort=response_rate)."""
    return directory.search_suppliers(args)


@blp.route("/categories", methods=["GET"], tags=["catalog"])
@blp.response(200, CategorySchema(many=True))
def list_categories():
    """Product categories with the number of products buyers can see in each."""
    return services.list_categories()


@blp.cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the catalog (after bulk loads or a restore)."""
    count = indexer.rebuild_all()
    transaction.commit()
    click.echo(f"Indexed {count} visible products.")

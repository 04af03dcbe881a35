"""``GET /api/v1/products``: catalog search with filters, facets and keyset pages."""

from __future__ import annotations

import click

from marketplace import transaction
from marketplace.api_base import Blueprint
from marketplace.database import reads_from_replica
from marketplace.search import indexer, services
from marketplace.search.schemas import SearchArgs, SearchResultSchema

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


@blp.cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the catalog (after bulk loads or a restore)."""
    count = indexer.rebuild_all()
    transaction.commit()
    click.echo(f"Indexed {count} visible products.")

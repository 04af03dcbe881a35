"""Result cards: what a search result shows of each product, stored in the index.

A card is the ``SearchItemSchema`` dump of a product, written as JSON text by the indexer
in the same transaction as the product's other index rows (``write``), removed with them.
A page of results is then one primary-key look-up (``load``) instead of loading every
product with its supplier, materials, tiers and images and serialising it again on each
search. The one part that depends on the search, the unit price at the quantity asked
for, is filled in from the card's price tiers.

A product indexed before cards existed has none; ``load`` builds it from the catalog,
through the same schema (``flask search reindex`` stores them all).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

import orjson
import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.json_provider import dumps_bytes
from marketplace.search.models import cards
from marketplace.search.schemas import SearchItemSchema

# The dump of every card, minus the per-search price.
_SCHEMA = SearchItemSchema(exclude=("unit_price_at_quantity",))


def load_options() -> tuple:
    """Everything a card (or a result on the pages) shows, loaded with the products
    (built on use: the mappers are configured once every model is imported)."""
    return (
        joinedload(Product.supplier),
        joinedload(Product.category),
        selectinload(Product.materials),
        selectinload(Product.price_tiers),
        selectinload(Product.images),
    )


# Built once: a page's look-up costs no statement building or cache-key walk.
_BY_IDS = sa.select(cards.c.product_id, cards.c.card).where(
    cards.c.product_id.in_(sa.bindparam("ids", expanding=True))
)


def dump(products: Iterable[Product]) -> list[dict]:
    """The cards of these products. Image URLs are paths, built with a request context
    of the application's own when there is none (the CLI, the bench's loader)."""
    context = nullcontext() if has_request_context() else current_app.test_request_context()
    with context:
        return _SCHEMA.dump(list(products), many=True)


def write(conn: Connection, product_ids: list[int]) -> list[tuple[int, str]]:
    """The ``(product_id, card JSON)`` rows of these products, read through a session on
    the indexer's connection (it sees the transaction's own changes)."""
    if not product_ids:
        return []
    with Session(bind=conn, autoflush=False) as session:
        products = session.scalars(
            sa.select(Product).where(Product.id.in_(product_ids)).options(*load_options())
        ).unique()
        out = [(card["id"], dumps_bytes(card).decode()) for card in dump(products)]
        session.expunge_all()
    return out


def load(product_ids: list[int], quantity: int | None = None) -> list[dict]:
    """The cards of these searchable products, in this order, with the unit price at
    ``quantity`` (None without one)."""
    if not product_ids:
        return []
    stored: dict[int, str] = dict(db.session.execute(_BY_IDS, {"ids": product_ids}).tuples().all())
    found = {product_id: orjson.loads(card) for product_id, card in stored.items()}
    missing = [i for i in product_ids if i not in found]
    if missing:  # indexed before cards existed
        products = db.session.scalars(
            sa.select(Product).where(Product.id.in_(missing)).options(*load_options())
        ).unique()
        found.update((card["id"], card) for card in dump(p for p in products if p.is_public))
    items = [found[i] for i in product_ids if i in found]
    for item in items:
        item["unit_price_at_quantity"] = _price_at(item["price_tiers"], quantity)
    return items


def _price_at(tiers: list[dict], quantity: int | None) -> str | None:
    """The tier price that applies when ordering ``quantity`` pairs (the tiers come in
    ascending ``min_qty``, their prices formatted by the schema)."""
    if quantity is None:
        return None
    price = None
    for tier in tiers:
        if tier["min_qty"] <= quantity:
            price = tier["unit_price"]
    return price

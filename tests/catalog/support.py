"""Helpers shared by the catalog and supplier tests: products set up through the services,
row counts, and the admin moves that have no API yet."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from marketplace import transaction
from marketplace.catalog.models import PriceTier, Product, ProductImage, ProductStatus
from marketplace.extensions import db
from tests.factories import ProductFactory


def count(model, *where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if where:
        query = query.where(*where)
    return db.session.scalar(query)


def catalog_rows() -> tuple[int, int, int]:
    """(products, price tiers, images): what a refused write must leave unchanged."""
    return count(Product), count(PriceTier), count(ProductImage)


def commit() -> None:
    """Commit set-up data (a savepoint of the test's transaction): an error response rolls
    the session back, and would otherwise take uncommitted set-up rows with it."""
    transaction.commit()


def make_product(supplier, status: ProductStatus = ProductStatus.DRAFT, **overrides) -> Product:
    """A product of ``supplier`` moved to ``status`` through the services, as an admin would,
    and committed (tests.factories.ProductFactory)."""
    return ProductFactory(supplier=supplier, status=status, **overrides)


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30), **save_kwargs) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" and len(color) == 4 else "RGB"
    Image.new(mode, size, color).save(out, fmt, **save_kwargs)
    return out.getvalue()

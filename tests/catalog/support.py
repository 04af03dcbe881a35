"""Helpers shared by the catalog and supplier tests: products set up through the services,
row counts, and the admin moves that have no API yet."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from marketplace import transaction
from marketplace.catalog import services
from marketplace.catalog.models import PriceTier, Product, ProductImage, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.extensions import db
from tests.catalog.conftest import product_payload


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
    and committed."""
    product = _make_product(supplier, status, **overrides)
    commit()
    return product


def _make_product(supplier, status: ProductStatus, **overrides) -> Product:
    overrides.setdefault("sku", f"SKU-{count(Product) + 1}-{status.value}")
    data = ProductInputSchema().load(product_payload(**overrides))
    product = services.create_product(supplier, data)
    if status == ProductStatus.DRAFT:
        return product
    if status == ProductStatus.ARCHIVED:
        return services.archive_product(product)
    services.submit_product(product)
    if status == ProductStatus.PENDING_REVIEW:
        return product
    if status == ProductStatus.REJECTED:
        return services.reject_product(product, "Photos are missing.")
    services.approve_product(product)
    if status == ProductStatus.SUSPENDED:
        return services.suspend_product(product, "Counterfeit brand logo.")
    return product


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30), **save_kwargs) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" and len(color) == 4 else "RGB"
    Image.new(mode, size, color).save(out, fmt, **save_kwargs)
    return out.getvalue()

"""The product catalog: categories and materials vocabularies, products, price tiers, images."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import IdMixin, TimestampMixin, enum_column, utcnow
from marketplace.extensions import Model, db

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.suppliers.models import Supplier


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Category(IdMixin, Model):
    """A product category; seeded by a migration, admins add more."""

    __tablename__ = "categories"

    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_zh: Mapped[str | None] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=100, server_default="100")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.slug}>"


class Material(IdMixin, Model):
    """The materials vocabulary ("EVA", "PVC", "rubber", ...)."""

    __tablename__ = "materials"

    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(40))

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.name}>"


product_materials = sa.Table(
    "product_materials",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("material_id", sa.ForeignKey("materials.id"), primary_key=True, index=True),
)


class Product(IdMixin, TimestampMixin, Model):
    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("supplier_id", "sku", name="uq_products_supplier_id_sku"),
        sa.Index("ix_products_status_supplier", "status", "supplier_id"),
    )

    supplier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    # Sizes as given ({"system": "EU", "from": 36, "to": 45} or a list), plus the EU
    # range for filtering.
    sizes: Mapped[dict | list | None] = mapped_column(sa.JSON)
    size_min_eu: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    size_max_eu: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    colors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    moq: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    lead_time_days: Mapped[int | None]
    sample_available: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    sample_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    sample_lead_time_days: Mapped[int | None]
    customization: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    pairs_per_carton: Mapped[int | None]
    carton_length_cm: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    carton_width_cm: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    carton_height_cm: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    carton_weight_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    port_of_loading: Mapped[str | None] = mapped_column(sa.String(100))
    incoterms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    hs_code: Mapped[str | None] = mapped_column(sa.String(12))
    monthly_capacity_pairs: Mapped[int | None]
    status: Mapped[ProductStatus] = mapped_column(
        enum_column(ProductStatus),
        default=ProductStatus.DRAFT,
        server_default=ProductStatus.DRAFT.value,
    )
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    status_before_suspension: Mapped[ProductStatus | None] = mapped_column(
        enum_column(ProductStatus, name="status_before_suspension")
    )
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    supplier: Mapped[Supplier] = relationship()
    category: Mapped[Category] = relationship(lazy="joined")
    materials: Mapped[list[Material]] = relationship(
        secondary=product_materials, order_by=Material.name
    )
    price_tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="PriceTier.min_qty",
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="ProductImage.position",
    )

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.sku!r} {self.status}>"

    @property
    def is_public(self) -> bool:
        return self.status == ProductStatus.PUBLISHED and self.supplier.is_active

    def unit_price_at(self, quantity: int) -> Decimal | None:
        """The tier price that applies when ordering ``quantity`` pairs."""
        price = None
        for tier in self.price_tiers:
            if tier.min_qty <= quantity:
                price = tier.unit_price
        return price


class PriceTier(IdMixin, Model):
    __tablename__ = "price_tiers"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "min_qty", name="uq_price_tiers_product_id_min_qty"),
    )

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    min_qty: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))

    product: Mapped[Product] = relationship(back_populates="price_tiers")

    def __repr__(self) -> str:
        return f"<PriceTier {self.id} {self.min_qty}+ @ {self.unit_price}>"


class ProductImage(IdMixin, Model):
    __tablename__ = "product_images"

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumbnail_filename: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(30))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")

    def __repr__(self) -> str:
        return f"<ProductImage {self.id} product={self.product_id} #{self.position}>"


class ImportJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"


class ImportJob(IdMixin, Model):
    """A catalog file too large to import inside a request (``IMPORT_SYNC_MAX_ROWS``),
    imported by the ``catalog.run_import`` job (``marketplace.catalog.import_jobs``).

    ``queued → running`` (the job claims it) ``→ succeeded | failed``; a job stuck in
    queued or running past its time limit becomes ``expired``. Every move is one
    conditional UPDATE. ``storage_key`` is the stored upload (private), cleared once the
    file is deleted; ``errors`` the per-row report in the synchronous import's shape
    (``{"<row number>": {"<field>": ["..."]}}``), cut to its first rows.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (sa.Index("ix_import_jobs_status_created_at", "status", "created_at"),)

    supplier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[ImportJobStatus] = mapped_column(
        enum_column(ImportJobStatus, name="import_job_status"), default=ImportJobStatus.QUEUED
    )
    row_count: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    message: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    supplier: Mapped[Supplier] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.status not in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.status} {self.filename!r}>"

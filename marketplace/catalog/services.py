"""Catalog operations: products, their validation and their state machine.

States (shared docs/api-contract.md): draft -> pending_review (supplier submits) ->
published | rejected (admin); rejected -> draft on edit; published -> pending_review
when a reviewed field changes, or when moderation's automatic checks flag another change
(``recheck_published``); suspended (admin only lifts it); archived (supplier).
Every move not listed is a Conflict (409).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.catalog.models import (
    Category,
    Material,
    PriceTier,
    Product,
    ProductStatus,
    product_materials,
)
from marketplace.catalog.rules import product_rule_errors
from marketplace.catalog.signals import product_entered_review, published_products_changed
from marketplace.catalog.sizes import eu_sizes
from marketplace.database import lock_rows
from marketplace.db import utcnow, violates
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.permissions import can_view_supplier_private, is_member_of
from marketplace.suppliers.models import Supplier

# Changing one of these on a published product sends it back to review.
REVIEWED_FIELDS = frozenset({"name", "description", "category", "materials", "images"})

SIMPLE_FIELDS = (
    "name",
    "description",
    "sizes",
    "colors",
    "moq",
    "lead_time_days",
    "sample_available",
    "sample_price",
    "sample_lead_time_days",
    "customization",
    "pairs_per_carton",
    "carton_weight_kg",
    "port_of_loading",
    "incoterms",
    "hs_code",
    "monthly_capacity_pairs",
)

REASON_MAX = 1000  # Product.rejection_reason

EDITABLE_STATES = {
    ProductStatus.DRAFT,
    ProductStatus.PENDING_REVIEW,
    ProductStatus.PUBLISHED,
    ProductStatus.REJECTED,
}


# Vocabularies ---------------------------------------------------------------


def list_categories(counts: Mapping[int, int] | None = None) -> list[dict[str, Any]]:
    """Active categories in display order, with their number of publicly visible products
    from ``counts`` (category id -> count; 0 without it). The counts come from the search
    index, which holds exactly those products: marketplace.search.services.list_categories.
    """
    counts = counts or {}
    categories = db.session.scalars(
        sa.select(Category).where(Category.is_active).order_by(Category.position, Category.name)
    )
    return [
        {"slug": c.slug, "name": c.name, "name_zh": c.name_zh, "product_count": counts.get(c.id, 0)}
        for c in categories
    ]


def create_category(slug: str, name: str, name_zh: str | None = None) -> Category:
    if db.session.scalar(sa.select(Category).where(Category.slug == slug)):
        raise Conflict("A category with this slug exists.")
    category = Category(slug=slug, name=name, name_zh=name_zh)
    db.session.add(category)
    db.session.flush()
    return category


def list_materials() -> list[Material]:
    return list(db.session.scalars(sa.select(Material).order_by(Material.name)))


def _unknown_category(slug: str) -> ValidationFailed:
    return ValidationFailed(errors={"category": [f"Unknown category {slug!r}."]})


def _category_by_slug(slug: str) -> Category:
    category = db.session.scalar(
        sa.select(Category).where(Category.slug == slug.strip().lower(), Category.is_active)
    )
    if category is None:
        raise _unknown_category(slug)
    return category


def _pick_materials(vocabulary: Mapping[str, Material], names: Iterable[str]) -> list[Material]:
    chosen, unknown = [], []
    for name in names:
        material = vocabulary.get(name.strip().lower())
        if material is None:
            unknown.append(name)
        elif material not in chosen:
            chosen.append(material)
    if unknown:
        allowed = ", ".join(sorted(m.name for m in vocabulary.values()))
        raise ValidationFailed(
            errors={"materials": [f"Unknown material(s): {', '.join(unknown)}. Use: {allowed}."]}
        )
    return chosen


def resolve_materials(names: Iterable[str]) -> list[Material]:
    """Map names to the vocabulary, case-insensitively; unknown names are a 422."""
    return _pick_materials({m.name.lower(): m for m in list_materials()}, names)


class Vocabulary:
    """Active categories and the materials, loaded once for work on many products (bulk
    import): the same look-ups and messages as ``_category_by_slug`` and
    ``resolve_materials``, without a query per product."""

    def __init__(self) -> None:
        self.categories = {
            c.slug: c for c in db.session.scalars(sa.select(Category).where(Category.is_active))
        }
        self.materials = {m.name.lower(): m for m in list_materials()}

    def category(self, slug: str) -> Category:
        category = self.categories.get(slug.strip().lower())
        if category is None:
            raise _unknown_category(slug)
        return category

    def pick_materials(self, names: Iterable[str]) -> list[Material]:
        return _pick_materials(self.materials, names)


# Validation -----------------------------------------------------------------


def _tiers_of(product: Product) -> list[dict[str, Any]]:
    return [{"min_qty": t.min_qty, "unit_price": t.unit_price} for t in product.price_tiers]


def check_product_data(data: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Every service-level rule ``create_product`` applies to schema-loaded ``data`` (a
    whole product), all problems at once and without a query; empty when valid."""
    errors: dict[str, list[str]] = {}
    checks: list[Callable[[], object]] = []
    if "category" in data:
        checks.append(lambda: vocabulary.category(data["category"]))
    if "materials" in data:
        checks.append(lambda: vocabulary.pick_materials(data["materials"]))
    for check in checks:
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.errors or {})
    if "moq" in data and "price_tiers" in data:
        errors.update(product_rule_errors(data))
    return errors


# Reading --------------------------------------------------------------------


def get_product(product_id: int, viewer: User | None) -> Product:
    """The product if ``viewer`` may see it; 404 otherwise (never reveal drafts)."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("Product not found.")
    if product.is_public or can_view_supplier_private(viewer, product.supplier_id):
        return product
    raise NotFound("Product not found.")


def get_product_for_member(product_id: int, user: User) -> Product:
    """A product of the user's own company, for editing; 404 for anyone else."""
    product = db.session.get(Product, product_id)
    if product is None or not is_member_of(user, product.supplier_id):
        raise NotFound("Product not found.")
    return product


def supplier_products_query(
    supplier_id: int,
    *,
    viewer: User | None,
    status: ProductStatus | None = None,
    category: str | None = None,
    q: str | None = None,
) -> sa.Select:
    query = sa.select(Product).where(Product.supplier_id == supplier_id)
    if can_view_supplier_private(viewer, supplier_id):
        if status is not None:
            query = query.where(Product.status == status)
    else:
        query = query.where(Product.status == ProductStatus.PUBLISHED)
        if status not in (None, ProductStatus.PUBLISHED):
            query = query.where(sa.false())
    if category:
        query = query.join(Category).where(Category.slug == category)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Product.name).like(pattern), sa.func.lower(Product.sku).like(pattern)
            )
        )
    return query


# Writing --------------------------------------------------------------------


def _size_bounds(sizes: dict | list | None) -> tuple[Decimal | None, Decimal | None]:
    values = eu_sizes(sizes)
    return (min(values), max(values)) if values else (None, None)


def _carton_columns(dims: Mapping[str, Any] | None) -> tuple[Any, Any, Any]:
    dims = dims or {}
    return dims.get("length"), dims.get("width"), dims.get("height")


def _apply(
    product: Product, data: Mapping[str, Any], *, vocabulary: Vocabulary | None = None
) -> set[str]:
    """Copy validated fields onto the product; return the names that changed.

    ``vocabulary`` (bulk work) replaces the category and material queries."""
    changed: set[str] = set()
    for field in SIMPLE_FIELDS:
        if field in data and getattr(product, field) != data[field]:
            setattr(product, field, data[field])
            changed.add(field)
    if "sizes" in data:
        product.size_min_eu, product.size_max_eu = _size_bounds(data["sizes"])
    if "currency" in data and product.currency != data["currency"].upper():
        product.currency = data["currency"].upper()
        changed.add("currency")
    if "category" in data:
        if vocabulary is not None:
            category = vocabulary.category(data["category"])
        else:
            category = _category_by_slug(data["category"])
        if product.category_id != category.id:
            product.category = category
            product.category_id = category.id
            changed.add("category")
    if "materials" in data:
        if vocabulary is not None:
            materials = vocabulary.pick_materials(data["materials"])
        else:
            materials = resolve_materials(data["materials"])
        if {m.id for m in materials} != {m.id for m in product.materials}:
            product.materials = materials
            changed.add("materials")
    if "carton_dimensions_cm" in data:
        dims = _carton_columns(data["carton_dimensions_cm"])
        old_dims = (product.carton_length_cm, product.carton_width_cm, product.carton_height_cm)
        if dims != old_dims:
            product.carton_length_cm, product.carton_width_cm, product.carton_height_cm = dims
            changed.add("carton_dimensions_cm")
    if "price_tiers" in data:
        new = [(t["min_qty"], Decimal(t["unit_price"])) for t in data["price_tiers"]]
        old = [(t.min_qty, Decimal(t.unit_price)) for t in product.price_tiers]
        if new != old:
            if [q for q, _ in new] == [q for q, _ in old]:
                # Same quantities, new prices: change the rows in place.
                for tier, (_, price) in zip(product.price_tiers, new, strict=True):
                    tier.unit_price = price
            else:
                product.price_tiers.clear()
                if old:
                    db.session.flush()  # delete old tiers before inserting replacements
                product.price_tiers.extend(PriceTier(min_qty=q, unit_price=p) for q, p in new)
            changed.add("price_tiers")
    return changed


def _validate_whole(product: Product) -> None:
    errors = product_rule_errors(
        {
            "moq": product.moq,
            "price_tiers": _tiers_of(product),
            "sample_available": product.sample_available,
            "sample_price": product.sample_price,
        }
    )
    if errors:
        raise ValidationFailed(errors=errors)


def _sku_taken(supplier_id: int, sku: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(Product.id).where(Product.supplier_id == supplier_id, Product.sku == sku)
    if exclude_id is not None:
        query = query.where(Product.id != exclude_id)
    return db.session.scalar(query) is not None


def create_product(supplier: Supplier, data: Mapping[str, Any]) -> Product:
    """A new draft in ``supplier``'s catalog."""
    if _sku_taken(supplier.id, data["sku"]):
        raise ValidationFailed(errors={"sku": ["This SKU is already in your catalog."]})
    product = Product(
        supplier=supplier,
        supplier_id=supplier.id,
        sku=data["sku"],
        status=ProductStatus.DRAFT,
        colors=[],
        customization=[],
        incoterms=[],
        description="",
    )
    _apply(product, data)
    _validate_whole(product)
    db.session.add(product)
    # The unique (supplier_id, sku) index settles two simultaneous creates.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise ValidationFailed(errors={"sku": ["This SKU is already in your catalog."]}) from exc
    return product


TIERS_CONSTRAINT = "uq_price_tiers_product_id_min_qty:price_tiers.product_id"
TIERS_CHANGED_MEANWHILE = (
    "The price tiers were changed by another edit at the same moment; reload the product "
    "and try again."
)


def lock_for_edit(products: Sequence[Product]) -> None:
    """Hold the products' rows until the transaction ends and reload them, with their
    tiers and materials, as the previous writer committed them.

    Without it two edits of one product (PATCH, the edit form, an import) read the same
    tiers, and the second one's replacement deletes rows the first one had already
    replaced and inserts tiers that collide with the first one's on the unique
    ``(product_id, min_qty)``. With it the second edit waits, then starts from the first
    one's result. Call it before reading or changing anything of the products."""
    ids = [product.id for product in products]
    lock_rows(db.session, Product.id, ids)
    for start in range(0, len(ids), 500):
        db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_(ids[start : start + 500]))
            .options(selectinload(Product.price_tiers), selectinload(Product.materials))
            .execution_options(populate_existing=True)
        ).all()


def update_product(product: Product, data: Mapping[str, Any]) -> Product:
    """Edit a product and move it through the state machine as the contract says."""
    lock_for_edit([product])
    before = product.status
    changed = edit_product(product, data)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if violates(exc, TIERS_CONSTRAINT):  # the lock makes this unexpected: still a 409
            raise Conflict(TIERS_CHANGED_MEANWHILE) from exc
        raise
    if before != product.status == ProductStatus.PENDING_REVIEW:
        _run_moderation_checks(product)  # back to review: flag it afresh
    elif changed and product.status == ProductStatus.PUBLISHED:
        recheck_published(product.supplier, [(product, changed)])
    return product


def not_editable(product: Product) -> Conflict | None:
    """Why ``product`` cannot be edited by its supplier, or None."""
    if product.status not in EDITABLE_STATES:
        return Conflict(f"A {product.status.value} product cannot be edited.")
    return None


def edit_product(
    product: Product, data: Mapping[str, Any], *, vocabulary: Vocabulary | None = None
) -> set[str]:
    """``update_product`` without the lock and the flush, for bulk work (which locks its
    products with ``lock_for_edit`` first); returns the changed fields."""
    if error := not_editable(product):
        raise error
    sku_changed = "sku" in data and data["sku"] != product.sku
    if sku_changed:
        if _sku_taken(product.supplier_id, data["sku"], exclude_id=product.id):
            raise ValidationFailed(errors={"sku": ["This SKU is already in your catalog."]})
        product.sku = data["sku"]
    changed = _apply(product, data, vocabulary=vocabulary) | ({"sku"} if sku_changed else set())
    _validate_whole(product)
    note_content_change(product, changed)
    return changed


# What ``create_product`` gives a new product for a field the data leaves out.
NEW_PRODUCT_DEFAULTS: dict[str, Any] = {
    "description": "",
    "colors": [],
    "customization": [],
    "incoterms": [],
    "sample_available": False,
}


def bulk_create_products(
    supplier: Supplier, products: Sequence[Mapping[str, Any]], vocabulary: Vocabulary
) -> dict[str, int]:
    """Insert many new drafts at once (bulk import); returns their ids by SKU.

    Each item is schema-loaded product data that passed ``check_product_data`` and whose
    SKU is new to the supplier. The columns are set as ``create_product`` sets them, with
    one executemany per table instead of a unit of work per product.
    """
    if not products:
        return {}
    now = utcnow()
    # Column by column; every product gets every column, so one statement serves all.
    columns: dict[str, list[Any]] = {
        field: [data.get(field) for data in products]
        for field in SIMPLE_FIELDS
        if field in NEW_PRODUCT_DEFAULTS or any(field in data for data in products)
    }
    for field, default in NEW_PRODUCT_DEFAULTS.items():
        columns[field] = [default if value is None else value for value in columns[field]]
    bounds = _per_object(_size_bounds, [data.get("sizes") for data in products])
    dims = _per_object(_carton_columns, [data.get("carton_dimensions_cm") for data in products])
    count = len(products)
    columns.update(
        size_min_eu=[low for low, _high in bounds],
        size_max_eu=[high for _low, high in bounds],
        carton_length_cm=[d[0] for d in dims],
        carton_width_cm=[d[1] for d in dims],
        carton_height_cm=[d[2] for d in dims],
        supplier_id=[supplier.id] * count,
        sku=[data["sku"] for data in products],
        currency=[data["currency"].upper() for data in products],
        category_id=[
            c.id for c in _per_object(vocabulary.category, [d["category"] for d in products])
        ],
        status=[ProductStatus.DRAFT] * count,
        created_at=[now] * count,
        updated_at=[now] * count,
    )
    # A plain executemany, then the ids by SKU: INSERT ... RETURNING would make SQLAlchemy
    # send huge multi-row statements, which psycopg parses slowly.
    _insert_many(cast(sa.Table, Product.__table__), columns)
    new_skus = set(columns["sku"])
    ids = {
        sku: product_id
        for sku, product_id in db.session.execute(
            sa.select(Product.sku, Product.id).where(Product.supplier_id == supplier.id)
        )
        if sku in new_skus
    }
    tiers = [
        (ids[data["sku"]], t["min_qty"], t["unit_price"])
        for data in products
        for t in data["price_tiers"]
    ]
    _insert_many(
        cast(sa.Table, PriceTier.__table__),
        _as_columns(("product_id", "min_qty", "unit_price"), tiers),
    )
    materials = _per_object(vocabulary.pick_materials, [d.get("materials") or [] for d in products])
    links = [
        (ids[data["sku"]], material.id)
        for data, chosen in zip(products, materials, strict=True)
        for material in chosen
    ]
    _insert_many(product_materials, _as_columns(("product_id", "material_id"), links))
    return ids


def _per_object(function: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``[function(v) for v in values]``, computed once per distinct object (rows of an
    import share one object per distinct cell; ``values`` keeps them alive, so ids are
    not reused)."""
    keys = list(map(id, values))
    results = {key: function(value) for key, value in dict(zip(keys, values, strict=True)).items()}
    return list(map(results.__getitem__, keys))


def _as_columns(names: Sequence[str], rows: list[tuple]) -> dict[str, list[Any]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _insert_many(table: sa.Table, columns: Mapping[str, list[Any]]) -> None:
    """``INSERT`` rows given column by column (equal lists) with one DB-API executemany.

    What ``session.execute(table.insert(), rows)`` sends, made faster: each value goes
    through its column type's bind processor for this dialect (JSON, UTC timestamps,
    Numeric on SQLite, enums) exactly as SQLAlchemy would, but once per distinct value
    object (an import shares one object per distinct cell) and without SQLAlchemy's
    per-row parameter assembly.
    """
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=names, for_executemany=True)
    if compiled.insert_prefetch or compiled.postfetch or compiled.returning:
        # A column default to compute per row (a column not given): the ordinary way.
        rows = [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
        connection.execute(table.insert(), rows)
        return
    order = list(compiled.positiontup or ()) if compiled.positional else names
    values = []
    for name in order:
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        column = columns[name]
        if convert is not None:
            column = _per_object(convert, column)
        values.append(column)
    if compiled.positional:
        params: list[Any] = list(zip(*values, strict=True))
    else:
        params = [dict(zip(order, row, strict=True)) for row in zip(*values, strict=True)]
    connection.exec_driver_sql(compiled.string, params)


def note_content_change(product: Product, changed: set[str]) -> None:
    """rejected -> draft on any edit; published -> pending_review on a reviewed change."""
    if not changed:
        return
    if product.status == ProductStatus.REJECTED:
        product.status = ProductStatus.DRAFT
    elif product.status == ProductStatus.PUBLISHED and changed & REVIEWED_FIELDS:
        product.status = ProductStatus.PENDING_REVIEW
        product.submitted_at = utcnow()


def _move(product: Product, allowed_from: set[ProductStatus], to: ProductStatus, verb: str):
    if product.status not in allowed_from:
        raise Conflict(f"A {product.status.value} product cannot be {verb}.")
    product.status = to


def submit_product(product: Product) -> Product:
    """draft/rejected -> pending_review."""
    if product.supplier.status != "active":
        raise Conflict("Your company is suspended; products cannot be submitted.")
    _move(
        product,
        {ProductStatus.DRAFT, ProductStatus.REJECTED},
        ProductStatus.PENDING_REVIEW,
        "submitted",
    )
    product.submitted_at = utcnow()
    db.session.flush()
    _run_moderation_checks(product)
    return product


def _run_moderation_checks(product: Product) -> None:
    """Flag (never refuse) a product entering the review queue: marketplace.moderation
    receives the signal."""
    product_entered_review.send(product)


def recheck_published(supplier: Supplier, changes: Sequence[tuple[Product, set[str]]]) -> None:
    """Published products of ``supplier`` changed (flushed) and are still published: the
    automatic checks look at each change (marketplace.moderation receives the signal) and
    send a product that trips one back to review (``send_back_to_review``)."""
    if changes:
        published_products_changed.send(supplier, changes=list(changes))


def send_back_to_review(product: Product, reason: str) -> Product:
    """published -> pending_review after a change the automatic checks flagged: out of the
    public catalog and search until an admin approves it; ``reason`` is what the supplier
    is shown (approval clears it, a rejection replaces it)."""
    _move(product, {ProductStatus.PUBLISHED}, ProductStatus.PENDING_REVIEW, "sent back to review")
    product.submitted_at = utcnow()
    product.rejection_reason = reason[:REASON_MAX]
    db.session.flush()
    return product


def archive_product(product: Product) -> Product:
    """The supplier withdraws a product; a suspended one stays under the admins' control."""
    if product.status == ProductStatus.SUSPENDED:
        raise Conflict("A suspended product can only be changed by the platform admins.")
    _move(
        product, set(ProductStatus) - {ProductStatus.ARCHIVED}, ProductStatus.ARCHIVED, "archived"
    )
    db.session.flush()
    return product


def restore_product(product: Product) -> Product:
    """archived -> draft: back in the catalog, to be submitted again."""
    _move(product, {ProductStatus.ARCHIVED}, ProductStatus.DRAFT, "restored")
    db.session.flush()
    return product


def approve_product(product: Product) -> Product:
    _move(product, {ProductStatus.PENDING_REVIEW}, ProductStatus.PUBLISHED, "approved")
    product.rejection_reason = None
    product.published_at = utcnow()
    db.session.flush()
    return product


def reject_product(product: Product, reason: str) -> Product:
    _move(product, {ProductStatus.PENDING_REVIEW}, ProductStatus.REJECTED, "rejected")
    product.rejection_reason = reason
    db.session.flush()
    return product


def suspend_product(product: Product, reason: str) -> Product:
    before = product.status
    _move(
        product,
        set(ProductStatus) - {ProductStatus.SUSPENDED, ProductStatus.ARCHIVED},
        ProductStatus.SUSPENDED,
        "suspended",
    )
    product.status_before_suspension = before
    product.rejection_reason = reason
    db.session.flush()
    return product


def reinstate_product(product: Product) -> Product:
    """suspended -> the state it was suspended from."""
    _move(
        product,
        {ProductStatus.SUSPENDED},
        product.status_before_suspension or ProductStatus.PUBLISHED,
        "reinstated",
    )
    product.status_before_suspension = None
    product.rejection_reason = None
    db.session.flush()
    return product

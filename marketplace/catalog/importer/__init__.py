"""Bulk catalog import from CSV or XLSX (cell formats: ``marketplace.catalog.exporter``).

All or nothing: every row is validated first, with the API's own rules
(``ProductInputSchema`` and the catalog services), and only a file without a single
bad row is written, inside a SAVEPOINT. Rows are upserted by SKU within the
importing supplier; a row that changes nothing is left alone. A published product whose
row changes it is checked again by moderation like an edit (``services.recheck_published``).

Speed (``bench/import_bench.py``): the vocabularies and the supplier's SKUs are loaded
once, never per row; each distinct cell text of a column is parsed and validated once
by the schema's own field (``importer.rows``); new products go in with one executemany
per table (``services.bulk_create_products``).
"""

from __future__ import annotations

import contextlib
import copy
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from marketplace.catalog import services
from marketplace.catalog.exporter import product_cells, unneutralise
from marketplace.catalog.importer.reading import (
    NO_DEADLINE,
    Deadline,
    FileTooLarge,
    ImportTooSlow,
    Table,
    file_error,
    read_table,
)
from marketplace.catalog.importer.rows import RowValidator
from marketplace.catalog.models import Product, ProductStatus
from marketplace.errors import Conflict, DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier

__all__ = [
    "Deadline",
    "FileTooLarge",
    "ImportResult",
    "ImportTooSlow",
    "RowValidator",
    "Table",
    "import_catalog",
    "import_table",
    "import_upload",
    "plan_import",
    "read_table",
    "write_plan",
]

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _same(name: str, new: Any, old: Any) -> bool:
    if name == "category":
        return isinstance(old, str) and new.strip().lower() == old.strip().lower()
    if name == "currency":
        return isinstance(old, str) and new.upper() == old.upper()
    if name == "materials":
        return old is not None and {m.strip().lower() for m in new} == {
            m.strip().lower() for m in old
        }
    if name == "price_tiers":
        return old is not None and [(t["min_qty"], Decimal(t["unit_price"])) for t in new] == [
            (t["min_qty"], Decimal(t["unit_price"])) for t in old
        ]
    return new == old


def _cell_value(text: str) -> str:
    return unneutralise(text.strip())


def _unchanged(values: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    return all(_same(name, value, current.get(name)) for name, value in values.items())


@dataclass
class _Plan:
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, Product, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)


def _existing_products(supplier_id: int, skus: Iterable[str]) -> dict[str, Product]:
    """The supplier's products with these SKUs, with tiers and materials, in a few queries."""
    known = dict(
        db.session.execute(
            sa.select(Product.sku, Product.id).where(Product.supplier_id == supplier_id)
        )
        .tuples()
        .all()
    )
    ids = [known[sku] for sku in set(skus) if sku in known]
    products: dict[str, Product] = {}
    for start in range(0, len(ids), 500):
        query = (
            sa.select(Product)
            .where(Product.id.in_(ids[start : start + 500]))
            .options(selectinload(Product.price_tiers), selectinload(Product.materials))
        )
        products.update((p.sku, p) for p in db.session.scalars(query))
    return products


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Validating and writing a large file creates ~10^5 objects that live until the end
    (remembered cells, rows, parameters) and no garbage cycles; meanwhile the cyclic
    collector would walk the whole process heap again and again (a quarter of the
    import's time). Reference counting still frees everything; the collector resumes
    afterwards, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _loaded(
    validator: RowValidator, table: Table, deadline: Deadline, chunk: int = 500
) -> Iterator[tuple]:
    """Each row's (values, errors), validated column by column a chunk of rows at a time
    (so that a progress bar still moves, and the deadline is looked at)."""
    for start in range(0, len(table.rows), chunk):
        deadline.check()
        yield from validator.load_all([cells for _n, cells in table.rows[start : start + chunk]])


@_cyclic_gc_paused()
def plan_import(
    supplier: Supplier,
    table: Table,
    progress: Progress | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> tuple[_Plan, services.Vocabulary]:
    """Validate every row; nothing is written."""
    validator = RowValidator()
    vocabulary = services.Vocabulary()
    skus = [row["sku"].strip() for _number, row in table.rows if row.get("sku")]
    existing = _existing_products(supplier.id, (unneutralise(s) for s in skus))
    plan = _Plan()
    first_row_of: dict[str, int] = {}
    for done, ((number, cells), (values, errors)) in enumerate(
        zip(table.rows, _loaded(validator, table, deadline), strict=True), start=1
    ):
        sku = values.get("sku")
        if sku is not None:
            if sku in first_row_of:
                errors.setdefault("sku", []).append(
                    f"SKU {sku} is already on row {first_row_of[sku]} of this file."
                )
            else:
                first_row_of[sku] = number
        product = existing.get(sku) if sku is not None else None
        if product is None:
            errors = {**services.check_product_data(values, vocabulary), **errors}
            if not errors:
                plan.creates.append(values)
        else:
            current_cells = product_cells(product)
            # An exported file comes back with the very same texts: no need to load them.
            same_text = all(_cell_value(t) == current_cells[n] for n, t in cells.items())
            current = {} if same_text else validator.load(current_cells)[0]
            if same_text or _unchanged(values, current):
                if not errors:
                    plan.unchanged += 1
            elif blocked := services.not_editable(product):
                errors.setdefault("sku", []).append(blocked.message)
            else:
                merged = {**current, **values}
                errors = {**services.check_product_data(merged, vocabulary), **errors}
                if not errors:
                    plan.updates.append((number, product, values))
        if errors:
            plan.errors[str(number)] = errors
        if done % 100 == 0:
            deadline.check()
            if progress:
                progress(100)
    if progress and len(table.rows) % 100:
        progress(len(table.rows) % 100)
    return plan, vocabulary


def import_catalog(
    supplier: Supplier,
    data: bytes,
    filename: str | None = None,
    *,
    progress: Progress | None = None,
    time_limit: float | None = None,
) -> ImportResult:
    """Upsert a CSV/XLSX catalog file into ``supplier``'s catalog, all or nothing.

    Raises ``ValidationFailed`` with ``errors = {"<row number>": {"field": [...]}}``
    (the header is row 1) and writes nothing when any row is bad; flushes, the caller
    commits. ``time_limit`` (seconds; the API and the import page give
    ``IMPORT_TIME_LIMIT_SECONDS``): past it, ``ImportTooSlow`` (413) and nothing written.
    """
    with _cyclic_gc_paused():
        return _import_catalog(supplier, data, filename, progress, Deadline(time_limit))


def _import_catalog(
    supplier: Supplier,
    data: bytes,
    filename: str | None,
    progress: Progress | None,
    deadline: Deadline,
) -> ImportResult:
    table = read_table(data, filename, deadline=deadline)
    return import_table(supplier, table, progress=progress, deadline=deadline)


def import_table(
    supplier: Supplier,
    table: Table,
    *,
    progress: Progress | None = None,
    deadline: Deadline = NO_DEADLINE,
) -> ImportResult:
    """``import_catalog`` for a file already read (``read_table``): the import page and the
    API read it first to see whether it is small enough to import in the request."""
    with _cyclic_gc_paused():
        return _import_table(supplier, table, progress, deadline)


def _import_table(
    supplier: Supplier, table: Table, progress: Progress | None, deadline: Deadline
) -> ImportResult:
    if not table.rows:
        raise file_error("The file has a header but no product rows.")
    plan, vocabulary = plan_import(supplier, table, progress, deadline)
    if plan.errors:
        count = len(plan.errors)
        raise ValidationFailed(
            f"{count} row{'s' if count > 1 else ''} of the file "
            f"{'have' if count > 1 else 'has'} problems; nothing was imported.",
            errors=plan.errors,
        )
    return write_plan(supplier, plan, vocabulary, deadline)


def import_upload(supplier: Supplier, upload: Any) -> dict[str, int]:
    """``import_catalog`` for an uploaded ``werkzeug`` file (the dashboard's import page),
    within ``IMPORT_TIME_LIMIT_SECONDS``; returns the counts."""
    time_limit = current_app.config["IMPORT_TIME_LIMIT_SECONDS"]
    return import_catalog(supplier, upload.read(), upload.filename, time_limit=time_limit).as_dict()


@_cyclic_gc_paused()
def write_plan(
    supplier: Supplier,
    plan: _Plan,
    vocabulary: services.Vocabulary,
    deadline: Deadline = NO_DEADLINE,
) -> ImportResult:
    result = ImportResult(created=len(plan.creates), unchanged=plan.unchanged)
    # Published products changed without leaving the catalog: checked again after the flush.
    still_published: list[tuple[Product, set[str]]] = []
    try:
        # Another edit may have changed these products since they were read for the
        # plan: wait for it and apply the rows to what it left (edit_product checks
        # the rules again on the result).
        services.lock_for_edit([product for _number, product, _values in plan.updates])
        with db.session.begin_nested():
            services.bulk_create_products(supplier, plan.creates, vocabulary)
            for done, (number, product, values) in enumerate(plan.updates, start=1):
                if done % 100 == 0:
                    deadline.check()
                was_published = product.status == ProductStatus.PUBLISHED
                try:
                    changed = services.edit_product(
                        product, copy.deepcopy(values), vocabulary=vocabulary
                    )
                except DomainError as exc:  # validated above; kept as a row error regardless
                    raise ValidationFailed(
                        "A row of the file has problems; nothing was imported.",
                        errors={str(number): exc.errors or {"sku": [exc.message]}},
                    ) from exc
                if changed:
                    result.updated += 1
                    if was_published and product.status == ProductStatus.PUBLISHED:
                        still_published.append((product, changed))
                else:
                    result.unchanged += 1
            db.session.flush()
            services.recheck_published(supplier, still_published)
    except sa.exc.IntegrityError as exc:
        raise Conflict(
            "The catalog changed while the file was imported (another import of the same "
            "SKUs?); nothing was imported. Try again."
        ) from exc
    # Every row is either created or updated; "unchanged" tells how many updates were no-ops.
    result.updated += result.unchanged
    return result

"""Keeping the search index in step with the catalog.

``reindex_products`` rebuilds the index rows of some products (removing those that are
no longer visible); ``reindex_supplier`` and ``reindex_category`` do it for every product
of a supplier or category. They run on the session's connection, inside the caller's
transaction, so the index commits or rolls back with the change itself.

They are called automatically: a listener on every ORM flush collects the products,
price tiers, suppliers (name, status, verification, response rate), certifications and
categories that changed and reindexes what they affect: changed products in the same
transaction; every product of a changed supplier or category by a job once the change
commits (``marketplace.search.tasks``: seconds later with a worker, before the response
without one). Code that changes these tables
with Core statements (bulk UPDATEs) must call the functions itself; ``flask search
reindex`` rebuilds everything.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.catalog.models import (
    Category,
    Material,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    product_materials,
)
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.search import cards as result_cards
from marketplace.search import text
from marketplace.search.backends import backend_for
from marketplace.search.models import docs, quality, rank_key
from marketplace.suppliers.models import (
    Certification,
    Supplier,
    SupplierStatus,
    VerificationStatus,
)

BATCH = 500
INT32_MAX = 2**31 - 1
SUPPLIER_FIELDS = ("name", "status", "verification_status", "response_rate")
CATEGORY_FIELDS = ("name", "name_zh", "slug", "is_active")
DIRECTORY_FIELDS = ("name", "description", "city", "province")


def _connection(connection: Connection | None) -> Connection:
    return connection if connection is not None else db.session.connection()


def reindex_products(product_ids: Iterable[int], *, connection: Connection | None = None) -> int:
    """Rebuild the index rows of these products; returns how many are now searchable."""
    conn = _connection(connection)
    ids = sorted({int(i) for i in product_ids if i is not None})
    indexed, lexicon = 0, set[str]()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        backend_for(conn).delete_products(conn, chunk)
        indexed += _add(conn, Product.id.in_(chunk), lexicon)
    _add_words(conn, lexicon)
    return indexed


def reindex_supplier(supplier_id: int, *, connection: Connection | None = None) -> int:
    conn = _connection(connection)
    ids = set(conn.scalars(sa.select(Product.id).where(Product.supplier_id == supplier_id)))
    ids |= set(conn.scalars(sa.select(docs.c.product_id).where(docs.c.supplier_id == supplier_id)))
    return reindex_products(ids, connection=conn)


def reindex_category(category_id: int, *, connection: Connection | None = None) -> int:
    conn = _connection(connection)
    ids = set(conn.scalars(sa.select(Product.id).where(Product.category_id == category_id)))
    return reindex_products(ids, connection=conn)


def rebuild_all(*, connection: Connection | None = None) -> int:
    """Empty the index and add every visible product again (after bulk loads).

    On PostgreSQL the index tables are TRUNCATEd and their secondary indexes made again
    at the end: searches wait for the rebuild's commit."""
    conn = _connection(connection)
    backend = backend_for(conn)
    rebuild = backend.empty_index(conn)
    _add_supplier_words(conn, sa.true())
    last_id, indexed, lexicon = 0, 0, set[str]()
    while True:
        chunk = list(
            conn.scalars(
                sa.select(Product.id)
                .where(Product.id > last_id, Product.status == ProductStatus.PUBLISHED)
                .order_by(Product.id)
                .limit(BATCH * 4)
            )
        )
        if not chunk:
            _add_words(conn, lexicon)
            backend.finish_rebuild(conn, rebuild)
            return indexed
        indexed += _add(conn, sa.and_(Product.id > last_id, Product.id <= chunk[-1]), lexicon)
        last_id = chunk[-1]


def reindex_supplier_words(
    supplier_ids: Iterable[int], *, connection: Connection | None = None
) -> None:
    """Rebuild the directory words (name, city and province, description) of suppliers."""
    conn = _connection(connection)
    ids = sorted({int(i) for i in supplier_ids if i is not None})
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        backend_for(conn).delete_supplier_words(conn, chunk)
        _add_supplier_words(conn, Supplier.id.in_(chunk))


def _add_supplier_words(conn: Connection, supplier_filter) -> None:
    rows = [
        {
            "id": r.id,
            "name": text.index_text(r.name),
            "place": text.index_text(r.city, r.province, unique=True),
            "description": text.index_text(r.description),
        }
        for r in conn.execute(
            sa.select(
                Supplier.id, Supplier.name, Supplier.city, Supplier.province, Supplier.description
            ).where(supplier_filter)
        )
    ]
    if rows:
        backend_for(conn).insert_supplier_words(conn, rows)


def _size_tags(sizes) -> list[str]:
    """``text.size_tag`` of every EU size made (a range counts in half sizes)."""
    try:
        if isinstance(sizes, dict):
            start, end = round(float(sizes["from"]) * 2), round(float(sizes["to"]) * 2)
            halves: Iterable[int] = range(start, min(end, start + 199) + 1)
        elif isinstance(sizes, list):
            halves = [round(float(value) * 2) for value in sizes]
        else:
            return []
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return []
    return [f"sz{half * 5}" for half in halves]  # == text.size_tag(half / 2)


def _add(conn: Connection, product_filter, lexicon: set[str]) -> int:
    """Index the visible products among ``product_filter``; their words go to ``lexicon``."""
    p, s, c = Product, Supplier, Category
    rows = conn.execute(
        sa.select(
            p.id,
            p.supplier_id,
            p.category_id,
            p.name,
            p.description,
            p.moq,
            p.currency,
            p.lead_time_days,
            p.sizes,
            p.colors,
            p.customization,
            s.name.label("supplier_name"),
            s.verification_status,
            s.response_rate,
            c.name.label("category_name"),
            c.name_zh.label("category_name_zh"),
            c.slug.label("category_slug"),
        )
        .join(s, s.id == p.supplier_id)
        .join(c, c.id == p.category_id)
        .where(
            product_filter, p.status == ProductStatus.PUBLISHED, s.status == SupplierStatus.ACTIVE
        )
    ).all()
    if not rows:
        return 0
    ids = [r.id for r in rows]
    materials: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for product_id, name, name_zh in conn.execute(
        sa.select(product_materials.c.product_id, Material.name, Material.name_zh)
        .join(Material, Material.id == product_materials.c.material_id)
        .where(product_materials.c.product_id.in_(ids))
        .order_by(Material.name)
    ):
        materials[product_id].append((name, name_zh))
    tiers: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for product_id, min_qty, unit_price in conn.execute(
        sa.select(PriceTier.product_id, PriceTier.min_qty, PriceTier.unit_price)
        .where(PriceTier.product_id.in_(ids))
        .order_by(PriceTier.product_id, PriceTier.min_qty)
    ):
        tiers[product_id].append((min_qty, unit_price))
    today = utcnow().date()
    certifications: dict[int, set[str]] = defaultdict(set)
    for supplier_id, name, valid_until in conn.execute(
        sa.select(Certification.supplier_id, Certification.name, Certification.valid_until).where(
            Certification.supplier_id.in_({r.supplier_id for r in rows})
        )
    ):
        if valid_until is None or valid_until >= today:
            certifications[supplier_id].add(text.tag("cert", name))

    documents, price_rows = [], []
    for r in rows:
        if r.id not in tiers:
            continue  # a product always has tiers; never index a half-written one
        mats = materials.get(r.id, [])
        verified = r.verification_status == VerificationStatus.VERIFIED
        tags = {text.tag("mat", name) for name, _ in mats}
        tags |= {text.tag("col", color) for color in (r.colors or []) if isinstance(color, str)}
        tags |= {text.tag("cus", option) for option in (r.customization or [])}
        tags |= set(_size_tags(r.sizes))
        tags |= certifications.get(r.supplier_id, set())
        score = quality(verified, r.response_rate)
        doc = {
            "product_id": r.id,
            "supplier_id": r.supplier_id,
            "category_id": r.category_id,
            "is_verified": verified,
            "quality": score / 1000,
            "moq": r.moq,
            "moq_price": tiers[r.id][0][1],
            "currency": r.currency,
            "lead_time_days": r.lead_time_days,
            "rank_key": rank_key(score, r.id),
            "name": text.index_text(r.name),
            "category": text.index_text(r.category_name, r.category_name_zh, unique=True),
            "materials": text.index_text(*(f"{n} {zh or ''}" for n, zh in mats), unique=True),
            "description": text.index_text(r.description),
            "supplier": text.index_text(r.supplier_name),
            "tags": sorted(t for t in tags if len(t) <= 60),
            "category_tag": text.tag("cat", r.category_slug),
        }
        documents.append(doc)
        product_tiers = tiers[r.id]
        for i, (min_qty, unit_price) in enumerate(product_tiers):
            last = i + 1 == len(product_tiers)
            max_qty = INT32_MAX if last else product_tiers[i + 1][0] - 1
            price_rows.append((r.id, min_qty, max_qty, unit_price))
        for field in ("name", "category", "materials", "description"):
            lexicon.update(doc[field].split())  # filtered once, in _add_words
    if not documents:
        return 0
    card_rows = result_cards.write(conn, [d["product_id"] for d in documents])
    backend_for(conn).insert_products(conn, documents, price_rows, card_rows)
    return len(documents)


def _add_words(conn: Connection, lexicon: set[str]) -> None:
    """The catalog's words (letters only), for spelling suggestions."""
    ordered = sorted(w for w in lexicon if 3 <= len(w) <= 30 and w.isalpha())
    backend_for(conn).insert_words(conn, ordered)


# Automatic sync on ORM flushes ---------------------------------------------------

_PENDING = "search_reindex_pending"


def _changed(obj, fields: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.setdefault(
        _PENDING, {"products": set(), "suppliers": set(), "categories": set(), "directory": set()}
    )
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Product):
            pending["products"].add(obj.id)
        elif isinstance(obj, PriceTier | ProductImage):
            pending["products"].add(obj.product_id)
        elif isinstance(obj, Certification):
            pending["suppliers"].add(obj.supplier_id)
        elif isinstance(obj, Supplier):
            if obj in session.deleted or (
                obj not in session.new and _changed(obj, SUPPLIER_FIELDS)
            ):
                pending["suppliers"].add(obj.id)
            if obj in session.new or obj in session.deleted or _changed(obj, DIRECTORY_FIELDS):
                pending["directory"].add(obj.id)
        elif (
            isinstance(obj, Category) and obj not in session.new and _changed(obj, CATEGORY_FIELDS)
        ):
            pending["categories"].add(obj.id)


def _after_flush_postexec(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()):
        return
    conn = session.connection()
    products = {i for i in pending["products"] if i is not None}
    # Every product of a supplier or a category: a job after the commit, not this request.
    from marketplace.search import tasks

    for supplier_id in sorted(i for i in pending["suppliers"] if i is not None):
        jobs.enqueue(tasks.reindex_supplier, supplier_id)
    for category_id in sorted(i for i in pending["categories"] if i is not None):
        jobs.enqueue(tasks.reindex_category, category_id)
    if products:
        reindex_products(products, connection=conn)
    if pending["directory"]:
        reindex_supplier_words(pending["directory"], connection=conn)


def install_listeners() -> None:
    """Index every ORM change of the catalog (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
